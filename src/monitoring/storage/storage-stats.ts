import { dayPrefix, parseObjectKey, utcDay } from '../../ingest/layout.ts';
import type { ObjectInfo, ObjectStore } from '../../storage/index.ts';
import type { StorageMetrics } from '../metrics/storage.ts';

const DAY_MS = 86_400_000;

export interface DayStats {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  objects: number;
  bytes: number;
}

export interface StoragePass {
  days: DayStats[];
  /** Objects and bytes first seen in this pass (zero on the first pass: that is the baseline). */
  newObjects: number;
  newBytes: number;
  /** LIST requests made by this pass. */
  listed: number;
}

export interface StorageStatsOptions {
  prefix: string;
  lookbackDays: number;
  /** Partitions expected in every day (the pipeline's topic), listed even before they appear. */
  partitions?: ReadonlyArray<{ topic: string; partition: number }>;
  metrics?: StorageMetrics;
  now?: () => number;
}

interface DayState {
  objects: number;
  bytes: number;
  /** Per `<topic>+<partition>+`: the last key counted. */
  lastKeys: Map<string, string | undefined>;
  /** The greatest key seen in the day, where discovery of unknown partitions resumes. */
  maxKey?: string;
}

/**
 * Objects and bytes per day partition, kept incrementally. The first pass lists each day of the
 * lookback once; after that a pass lists, per day, each known Kafka partition's sub-prefix
 * starting after the last key counted there, plus the day from its greatest key (to discover
 * partitions nobody announced). A pass costs what landed since the previous one, never a
 * listing of the whole bucket.
 *
 * Listing order is lexicographic, so per-partition sub-prefixes are needed: a day holds several
 * partitions, and a new object of partition 0 sorts before an old one of partition 1. Within a
 * partition, keys sort in landing order because start offsets are zero-padded to a fixed width.
 */
export class StorageStats {
  private readonly days = new Map<string, DayState>();
  private passes = 0;

  constructor(
    private readonly store: Pick<ObjectStore, 'list'>,
    private readonly options: StorageStatsOptions,
  ) {}

  async refresh(): Promise<StoragePass> {
    const now = this.options.now?.() ?? Date.now();
    const wanted = new Set(
      Array.from({ length: this.options.lookbackDays }, (_, i) => utcDay(now - i * DAY_MS)),
    );
    for (const day of this.days.keys()) {
      if (wanted.has(day)) continue;
      this.days.delete(day);
      this.options.metrics?.objects.remove({ day });
      this.options.metrics?.bytes.remove({ day });
    }

    const pass = { newObjects: 0, newBytes: 0, listed: 0 };
    const baseline = this.passes === 0;
    for (const day of [...wanted].sort()) {
      let state = this.days.get(day);
      const counted =
        state === undefined
          ? await this.firstListing(day, (state = this.emptyDay()))
          : await this.nextListing(day, state);
      pass.listed += counted.listed;
      if (!baseline) {
        pass.newObjects += counted.objects;
        pass.newBytes += counted.bytes;
      }
      this.days.set(day, state);
      this.options.metrics?.objects.set({ day }, state.objects);
      this.options.metrics?.bytes.set({ day }, state.bytes);
    }
    this.passes++;
    this.options.metrics?.objectsLanded.inc(pass.newObjects);
    this.options.metrics?.bytesLanded.inc(pass.newBytes);
    const days = [...this.days]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, s]) => ({ day, objects: s.objects, bytes: s.bytes }));
    return { days, ...pass };
  }

  private emptyDay(): DayState {
    const lastKeys = new Map<string, string | undefined>();
    for (const { topic, partition } of this.options.partitions ?? [])
      lastKeys.set(`${topic}+${partition}+`, undefined);
    return { objects: 0, bytes: 0, lastKeys };
  }

  private async firstListing(day: string, state: DayState): Promise<Counted> {
    return {
      ...this.count(state, await this.store.list(dayPrefix(this.options.prefix, day))),
      listed: 1,
    };
  }

  private async nextListing(day: string, state: DayState): Promise<Counted> {
    const prefix = dayPrefix(this.options.prefix, day);
    const total: Counted = { objects: 0, bytes: 0, listed: 0 };
    for (const [partitionPrefix, lastKey] of [...state.lastKeys]) {
      add(total, this.count(state, await this.store.list(prefix + partitionPrefix, lastKey)));
      total.listed++;
    }
    add(total, this.count(state, await this.store.list(prefix, state.maxKey)));
    total.listed++;
    return total;
  }

  /** Counts objects not counted before (per partition, keys after its last counted key). */
  private count(state: DayState, objects: readonly ObjectInfo[]): Omit<Counted, 'listed'> {
    const counted = { objects: 0, bytes: 0 };
    for (const object of objects) {
      if (state.maxKey === undefined || object.key > state.maxKey) state.maxKey = object.key;
      const parsed = parseObjectKey(object.key);
      if (parsed === null) continue;
      const partitionPrefix = `${parsed.topic}+${parsed.partition}+`;
      const last = state.lastKeys.get(partitionPrefix);
      if (last !== undefined && object.key <= last) continue;
      state.lastKeys.set(partitionPrefix, object.key);
      state.objects++;
      state.bytes += object.size;
      counted.objects++;
      counted.bytes += object.size;
    }
    return counted;
  }
}

interface Counted {
  objects: number;
  bytes: number;
  listed: number;
}

function add(total: Counted, more: Omit<Counted, 'listed'>): void {
  total.objects += more.objects;
  total.bytes += more.bytes;
}
