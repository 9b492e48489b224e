import { z } from 'zod';
import { NonRetriableError } from '../shared/errors.ts';
import { PreconditionFailedError, type ObjectStore } from '../storage/index.ts';

/**
 * The per-partition position log kept in the object store itself, beside the data it describes.
 * Each entry is an immutable object `<statePrefix>/<topic>/<partition>/<seq>.json` written
 * create-only, so appending entry n+1 is a compare-and-swap on "the latest entry is n": of two
 * writers racing for the same slot exactly one wins. The latest entry says which offsets are
 * settled (`next`) and which object may be in flight (`pending`), and carries the epoch of the
 * owner that wrote it. See docs/ingest.md for the protocol built on it.
 */

const pendingSchema = z.object({
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  key: z.string().min(1),
  records: z.number().int().positive(),
});

const entrySchema = z.object({
  version: z.literal(1),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  epoch: z.number().int().positive(),
  owner: z.string().min(1),
  /** Every offset below this is settled: landed in an object, or dead-lettered. */
  next: z.number().int().nonnegative(),
  /** The object covering [start, end], announced before it is written; end + 1 === next. */
  pending: pendingSchema.nullable(),
  writtenAt: z.string(),
});

export type PositionEntry = z.infer<typeof entrySchema>;
export type PendingObject = z.infer<typeof pendingSchema>;

export interface LatestPosition {
  seq: number;
  entry: PositionEntry;
}

/** Another owner appended to the log first: this writer no longer owns the partition. */
export class FencedError extends NonRetriableError {
  override readonly name = 'FencedError';
}

const SEQ_DIGITS = 12;
const ENTRY_NAME = /\/(\d{12})\.json$/;
/** Entries older than the newest few are history only; they are pruned to keep listing cheap. */
const KEEP_ENTRIES = 4;

export class PositionLog {
  private readonly dir: string;

  constructor(
    private readonly store: ObjectStore,
    statePrefix: string,
    readonly topic: string,
    readonly partition: number,
  ) {
    this.dir = `${statePrefix}/${topic}/${partition}/`;
  }

  /** The newest entry, or null when the partition has never been written. */
  async latest(): Promise<LatestPosition | null> {
    for (;;) {
      const seqs = await this.seqs();
      const seq = seqs.at(-1);
      if (seq === undefined) return null;
      const body = await this.store.get(this.keyOf(seq));
      // Only superseded entries are pruned, so a vanished newest entry means a newer one exists.
      if (body !== null) return { seq, entry: parseEntry(body, this.keyOf(seq)) };
    }
  }

  /**
   * Appends entry `seq`, which must be the latest seq the caller saw plus one. Throws FencedError
   * when the slot is taken, or when a newer entry already exists: a slot can be free again only
   * because pruning removed it long after a newer entry was written.
   */
  async append(seq: number, entry: PositionEntry): Promise<void> {
    const key = this.keyOf(seq);
    try {
      await this.store.put(key, JSON.stringify(entry), {
        ifNoneMatch: true,
        contentType: 'application/json',
      });
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        throw new FencedError(`${this.topic}[${this.partition}] position ${seq} already written`, {
          cause: error,
        });
      }
      throw error;
    }
    const newer = (await this.store.list(this.dir, key)).some((o) => ENTRY_NAME.test(o.key));
    if (newer)
      throw new FencedError(`${this.topic}[${this.partition}] a newer position than ${seq} exists`);
  }

  /** Deletes entries older than the newest few. Best effort: leftovers are harmless. */
  async prune(latestSeq: number): Promise<void> {
    const old = (await this.seqs()).filter((s) => s <= latestSeq - KEEP_ENTRIES);
    for (const seq of old) await this.store.delete(this.keyOf(seq));
  }

  private async seqs(): Promise<number[]> {
    const objects = await this.store.list(this.dir);
    return objects.flatMap((o) => {
      const m = ENTRY_NAME.exec(o.key);
      return m ? [Number(m[1])] : [];
    });
  }

  private keyOf(seq: number): string {
    return `${this.dir}${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
  }
}

function parseEntry(body: Buffer, key: string): PositionEntry {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new NonRetriableError(`position entry ${key} is not JSON`, { cause: error });
  }
  const parsed = entrySchema.safeParse(json);
  if (!parsed.success)
    throw new NonRetriableError(`position entry ${key} is malformed: ${parsed.error.message}`);
  return parsed.data;
}
