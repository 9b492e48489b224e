import { isDeepStrictEqual } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from '../shared/logger.ts';
import type { ObjectStore } from '../storage/index.ts';
import { Batch, type BatchLimits, type DeadLetter } from './batch.ts';
import { lineTail, objectKey, recordHead } from './layout.ts';
import { FencedError, PositionLog, type PendingObject, type PositionEntry } from './positions.ts';
import { validateRecord, type InvalidReason, type Validation } from './record.ts';

/** What a partition sink needs from the process around it. */
export interface SinkContext {
  store: ObjectStore;
  topic: string;
  partition: number;
  /** Data prefix, e.g. `crypto_data`. */
  prefix: string;
  /** Where position logs live, e.g. `_strata/ingest/crypto_data`. */
  statePrefix: string;
  limits: BatchLimits;
  maxRecordBytes: number;
  /** Unique per claim: host, pid and a random suffix. */
  owner: string;
  deadLetters: { publish(letters: readonly DeadLetter[]): Promise<void> };
  /** Called once an object is durable: offsets below `offset` may be committed. */
  onSettled(offset: number): void;
  onObjectWritten(
    bytes: number,
    records: number,
    seconds: number,
    newestRecordTime: number | null,
  ): void;
  /**
   * Records landed: valid ones once their object is written, invalid ones once dead-lettered.
   * Counted when they land, not when they are read, so a redelivery is never counted twice.
   */
  onRecords(valid: number, invalid: ReadonlyMap<InvalidReason, number>): void;
  /** A batch failed to land in the background; the sink takes nothing more until retry(). */
  onLandingFailed(error: unknown): void;
  logger: Logger;
  now(): number;
}

export interface ConsumeControl {
  /** False once the process stops taking work. */
  shouldContinue(): boolean;
  /** True while the process holds more than its buffer budget; the open batch is cut early. */
  overBudget(): boolean;
}

export interface ConsumeResult {
  outcome: 'done' | 'stopped';
  /** The last message taken (its offset can be resolved in Kafka), or null. */
  lastOffset: number | null;
}

type Stage = 'dead-letters' | 'intent' | 'data';

interface SealedBatch {
  batch: Batch;
  key: string | null;
  stage: Stage;
  /**
   * The intent entry, built once at the first attempt and kept: a retried append must write the
   * very same entry, so that a slot taken by an earlier attempt whose reply was lost is
   * recognised as this batch's own (a rebuilt entry would differ in `writtenAt`).
   */
  intent?: PositionEntry;
}

const PRUNE_EVERY = 8;
/** Batches cut but not landed; beyond this, taking messages waits for storage. */
const MAX_SEALED = 2;

/**
 * The writer of one partition between a claim and the loss of the partition. It cuts the
 * partition's messages into batches and lands each batch, in offset order, in this order of steps:
 * dead letters published, intent appended to the position log (the fencing point), object
 * written, offset settled. Landing runs behind consumption (at most MAX_SEALED batches), so
 * storage latency overlaps with reading Kafka. A claim that finds an intent whose object may be
 * missing replays exactly that offset range first, so a recut never overlaps an existing object.
 */
export class PartitionSink {
  private readonly log: PositionLog;
  private seq: number;
  private readonly epoch: number;
  /** The next offset this sink takes; everything below is settled or buffered. */
  private nextOffset: number;
  /** Offsets below this are durable (in an object, or dead-lettered before their intent). */
  private settledOffset: number;
  private replay: { pending: PendingObject; batch: Batch } | null;
  private open: Batch | null = null;
  private readonly sealed: SealedBatch[] = [];
  private landing: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;

  private constructor(
    private readonly ctx: SinkContext,
    log: PositionLog,
    seq: number,
    entry: PositionEntry,
  ) {
    this.log = log;
    this.seq = seq;
    this.epoch = entry.epoch;
    const pending = entry.pending;
    this.nextOffset = pending ? pending.start : entry.next;
    this.settledOffset = this.nextOffset;
    this.replay = pending ? { pending, batch: new Batch(pending.start, ctx.now()) } : null;
  }

  /**
   * Takes ownership of the partition by appending an entry with a higher epoch to its position
   * log. After this, a previous owner's next append fails, so it can no longer announce objects.
   * `fetchFrom` is where Kafka would start (the committed offset) when the log is empty.
   */
  static async claim(ctx: SinkContext, fetchFrom: number): Promise<PartitionSink> {
    const log = new PositionLog(ctx.store, ctx.statePrefix, ctx.topic, ctx.partition);
    for (let attempt = 1; ; attempt++) {
      const latest = await log.latest();
      const previous = latest?.entry;
      const pending = previous?.pending ? await settledPending(ctx.store, previous.pending) : null;
      const entry: PositionEntry = {
        version: 1,
        topic: ctx.topic,
        partition: ctx.partition,
        epoch: (previous?.epoch ?? 0) + 1,
        owner: ctx.owner,
        next: previous?.next ?? fetchFrom,
        pending,
        writtenAt: new Date(ctx.now()).toISOString(),
      };
      const seq = latest ? latest.seq + 1 : 0;
      try {
        await log.append(seq, entry);
        ctx.logger.info(
          {
            topic: ctx.topic,
            partition: ctx.partition,
            epoch: entry.epoch,
            next: entry.next,
            replay: pending,
          },
          'claimed partition',
        );
        return new PartitionSink(ctx, log, seq, entry);
      } catch (error) {
        // Another claimer won this slot; read again and go above it.
        if (!(error instanceof FencedError) || attempt >= 5) throw error;
      }
    }
  }

  /** The claim this sink writes under. */
  get owner(): string {
    return this.ctx.owner;
  }

  /** The offset Kafka should deliver next. */
  get position(): number {
    return this.nextOffset;
  }

  /** Offsets below this are durable; Kafka may commit it. */
  get settled(): number {
    return this.settledOffset;
  }

  get bufferedBytes(): number {
    let bytes = (this.open?.bytes ?? 0) + (this.replay?.batch.bytes ?? 0);
    for (const s of this.sealed) bytes += s.batch.bytes;
    return bytes;
  }

  /** A batch failed to land; nothing more is taken until retry() lands it. */
  get isStuck(): boolean {
    return this.failure !== null;
  }

  /** Whether the open batch has waited maxAge: a quiet partition still lands its records. */
  isDue(nowMs: number): boolean {
    return (
      this.failure === null && (this.open?.isOlderThan(this.ctx.limits.maxAgeMs, nowMs) ?? false)
    );
  }

  /**
   * Takes messages in offset order, cutting batches as they fill and landing them behind. Stops
   * early when the process stops or a landing failed; messages after that are not taken.
   */
  async consume(
    messages: readonly KafkaMessage[],
    control: ConsumeControl,
  ): Promise<ConsumeResult> {
    const ingestedAt = new Date(this.ctx.now()).toISOString();
    let lastOffset: number | null = null;
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < this.nextOffset) {
        lastOffset = offset; // already settled by an earlier owner
        continue;
      }
      if (!control.shouldContinue() || this.failure !== null)
        return { outcome: 'stopped', lastOffset };
      if (this.replay && offset > this.replay.pending.end) this.sealReplay();
      if (this.replay) {
        this.takeReplayed(message, offset, ingestedAt);
        if (offset === this.replay.pending.end) this.sealReplay();
      } else {
        this.take(message, offset, ingestedAt, control);
        if (this.open?.isFull(this.ctx.limits)) this.sealOpen();
      }
      lastOffset = offset;
      if (this.sealed.length > MAX_SEALED) await this.landing;
    }
    return { outcome: 'done', lastOffset };
  }

  /** Cuts the open batch (age, shutdown) and waits until everything cut so far has landed. */
  async flushOpen(): Promise<void> {
    this.sealOpen();
    await this.landed();
  }

  /** Lands again what a failed landing left, and waits for it. */
  async retry(): Promise<void> {
    this.failure = null;
    this.startLanding();
    await this.landed();
  }

  /** Waits until the queue is empty, or throws what stopped it. */
  private async landed(): Promise<void> {
    if (this.landing) await this.landing;
    const failure = this.failure;
    if (failure) throw failure.error;
  }

  private take(
    message: KafkaMessage,
    offset: number,
    ingestedAt: string,
    control: ConsumeControl,
  ): void {
    const result = validateRecord(message.value, this.ctx.maxRecordBytes);
    if (!result.ok) {
      this.openAt(offset).addDeadLetter(offset, {
        message,
        partition: this.ctx.partition,
        reason: result.reason,
        detail: result.detail,
      });
      this.nextOffset = offset + 1;
      return;
    }
    const day = result.record.last_updated.slice(0, 10);
    const { head, tail } = this.linePieces(message, result, ingestedAt);
    const open = this.open;
    const lineBytes =
      (typeof head === 'string' ? Buffer.byteLength(head) : head.length) + tail.length;
    if (
      open &&
      (open.wouldSpanDays(day) ||
        open.wouldOverflow(lineBytes, this.ctx.limits) ||
        control.overBudget())
    ) {
      this.sealOpen();
    }
    this.openAt(offset).addRecord(offset, head, tail, day, Date.parse(result.record.last_updated));
    this.nextOffset = offset + 1;
  }

  private takeReplayed(message: KafkaMessage, offset: number, ingestedAt: string): void {
    const replay = this.replay!;
    const result = validateRecord(message.value, this.ctx.maxRecordBytes);
    // Invalid records of this range were dead-lettered before its intent was written.
    if (result.ok) {
      const { head, tail } = this.linePieces(message, result, ingestedAt);
      const { last_updated: updated } = result.record;
      replay.batch.addRecord(offset, head, tail, updated.slice(0, 10), Date.parse(updated));
    }
    this.nextOffset = offset + 1;
  }

  /** Queues the announced object, rebuilt from exactly its announced range; no new intent. */
  private sealReplay(): void {
    const { pending, batch } = this.replay!;
    this.replay = null;
    if (batch.records !== pending.records) {
      this.ctx.logger.warn(
        { topic: this.ctx.topic, partition: this.ctx.partition, pending, found: batch.records },
        'replayed range differs from its intent (log truncated by retention?)',
      );
    }
    batch.end = pending.end;
    this.nextOffset = Math.max(this.nextOffset, pending.end + 1);
    this.enqueue({ batch, key: batch.records > 0 ? pending.key : null, stage: 'data' });
  }

  private sealOpen(): void {
    const batch = this.open;
    if (batch === null || batch.isEmpty) return;
    this.open = null;
    const key =
      batch.day === null
        ? null
        : objectKey(
            this.ctx.prefix,
            batch.day,
            this.ctx.topic,
            this.ctx.partition,
            String(batch.start),
          );
    this.enqueue({ batch, key, stage: batch.deadLetters.length > 0 ? 'dead-letters' : 'intent' });
  }

  private enqueue(sealed: SealedBatch): void {
    this.sealed.push(sealed);
    this.startLanding();
  }

  private startLanding(): void {
    if (this.landing || this.failure || this.sealed.length === 0) return;
    this.landing = this.landQueued().finally(() => {
      this.landing = null;
    });
  }

  /** Lands queued batches in order; on the first failure, stops and reports it. */
  private async landQueued(): Promise<void> {
    while (this.sealed.length > 0 && this.failure === null) {
      try {
        await this.land(this.sealed[0]!);
        this.sealed.shift();
      } catch (error) {
        this.failure = { error };
        this.ctx.onLandingFailed(error);
      }
    }
  }

  private async land(sealed: SealedBatch): Promise<void> {
    const { batch } = sealed;
    if (sealed.stage === 'dead-letters') {
      await this.ctx.deadLetters.publish(batch.deadLetters);
      this.ctx.onRecords(0, countReasons(batch.deadLetters));
      sealed.stage = 'intent';
    }
    if (sealed.stage === 'intent') {
      sealed.intent ??= this.intentEntry(batch, sealed.key);
      await this.announce(sealed.intent);
      sealed.stage = 'data';
    }
    if (sealed.key !== null) await this.writeObject(sealed.key, batch);
    this.settle(batch.end + 1);
  }

  /** The position entry announcing `batch`; from here on its range is fixed whoever writes the object. */
  private intentEntry(batch: Batch, key: string | null): PositionEntry {
    return {
      version: 1,
      topic: this.ctx.topic,
      partition: this.ctx.partition,
      epoch: this.epoch,
      owner: this.ctx.owner,
      next: batch.end + 1,
      pending:
        key === null ? null : { start: batch.start, end: batch.end, key, records: batch.records },
      writtenAt: new Date(this.ctx.now()).toISOString(),
    };
  }

  /** Appends an intent entry to the position log, the fencing point of a batch. */
  private async announce(entry: PositionEntry): Promise<void> {
    const seq = this.seq + 1;
    try {
      await this.log.append(seq, entry);
    } catch (error) {
      if (!(error instanceof FencedError) || !(await this.landedAnyway(seq, entry))) throw error;
    }
    this.seq = seq;
    if (seq % PRUNE_EVERY === 0) {
      await this.log
        .prune(seq)
        .catch((error: unknown) =>
          this.ctx.logger.warn({ err: error }, 'pruning position log failed'),
        );
    }
  }

  /** A retried append finds its slot taken: by this very entry when an earlier attempt's reply was lost. */
  private async landedAnyway(seq: number, entry: PositionEntry): Promise<boolean> {
    const latest = await this.log.latest();
    return latest?.seq === seq && isDeepStrictEqual(latest.entry, entry);
  }

  private async writeObject(key: string, batch: Batch): Promise<void> {
    const body = batch.content();
    const started = performance.now();
    await this.ctx.store.put(key, body, { contentType: 'application/x-ndjson' });
    const seconds = (performance.now() - started) / 1000;
    this.ctx.onObjectWritten(body.length, batch.records, seconds, batch.newestRecordTime);
    this.ctx.onRecords(batch.records, NO_REASONS);
  }

  private settle(offset: number): void {
    if (offset <= this.settledOffset) return;
    this.settledOffset = offset;
    this.ctx.onSettled(offset);
  }

  private openAt(offset: number): Batch {
    this.open ??= new Batch(offset, this.ctx.now());
    return this.open;
  }

  /** A line in two pieces: the record (the message's own bytes when canonical) and the coordinates. */
  private linePieces(
    message: KafkaMessage,
    result: Validation & { ok: true },
    ingestedAt: string,
  ): { head: Buffer | string; tail: string } {
    const head =
      result.canonical && message.value
        ? message.value.subarray(0, message.value.length - 1)
        : recordHead(result.record);
    const tail = lineTail(
      {
        topic: this.ctx.topic,
        partition: this.ctx.partition,
        offset: message.offset,
        timestamp: message.timestamp,
      },
      ingestedAt,
    );
    return { head, tail };
  }
}

const NO_REASONS: ReadonlyMap<InvalidReason, number> = new Map();

function countReasons(letters: readonly DeadLetter[]): Map<InvalidReason, number> {
  const counts = new Map<InvalidReason, number>();
  for (const { reason } of letters) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return counts;
}

/** An intent whose object already exists is settled: atomic writes mean it is complete. */
async function settledPending(
  store: ObjectStore,
  pending: PendingObject,
): Promise<PendingObject | null> {
  const found = await store.list(pending.key);
  return found.some((o) => o.key === pending.key) ? null : pending;
}
