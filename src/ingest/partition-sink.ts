import type { KafkaMessage } from 'kafkajs';
import type { Logger } from '../shared/logger.ts';
import type { ObjectStore } from '../storage/index.ts';
import { Batch, type BatchLimits, type DeadLetter } from './batch.ts';
import { formatLine, objectKey, utcDay } from './layout.ts';
import { FencedError, PositionLog, type PendingObject, type PositionEntry } from './positions.ts';
import { validateRecord } from './record.ts';

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
  onObjectWritten(bytes: number, records: number, seconds: number): void;
  onRecord(valid: boolean, reason?: string): void;
  logger: Logger;
  now(): number;
}

export interface ConsumeControl {
  /** False once the process stops taking work. */
  shouldContinue(): boolean;
  /** True while the process holds more than its buffer budget; the open batch is cut early. */
  overBudget(): boolean;
}

export type ConsumeResult =
  /** `lastOffset`: the last message taken (its offset can be resolved in Kafka), or null. */
  | { outcome: 'done' | 'stopped'; lastOffset: number | null }
  | { outcome: 'failed'; lastOffset: number | null; error: unknown };

type Stage = 'dead-letters' | 'intent' | 'data';

interface SealedBatch {
  batch: Batch;
  key: string | null;
  stage: Stage;
}

const PRUNE_EVERY = 8;

/**
 * The writer of one partition between a claim and the loss of the partition. It cuts the
 * partition's messages into batches and lands each batch in this order: dead letters published,
 * intent appended to the position log (the fencing point), object written, offset settled. A
 * claim that finds an intent whose object may be missing replays exactly that offset range
 * before anything else, so a recut can never overlap an object that already exists.
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
  private sealed: SealedBatch | null = null;

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
          { topic: ctx.topic, partition: ctx.partition, epoch: entry.epoch, next: entry.next, replay: pending },
          'claimed partition',
        );
        return new PartitionSink(ctx, log, seq, entry);
      } catch (error) {
        // Another claimer won this slot; read again and go above it.
        if (!(error instanceof FencedError) || attempt >= 5) throw error;
      }
    }
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
    return (this.open?.bytes ?? 0) + (this.sealed?.batch.bytes ?? 0) + (this.replay?.batch.bytes ?? 0);
  }

  /** A batch is cut but not yet landed (a write failed); nothing more is taken until it lands. */
  get isStuck(): boolean {
    return this.sealed !== null;
  }

  /** Whether the open batch has waited maxAge: a quiet partition still lands its records. */
  isDue(nowMs: number): boolean {
    return this.sealed === null && (this.open?.isOlderThan(this.ctx.limits.maxAgeMs, nowMs) ?? false);
  }

  /**
   * Takes messages in offset order, landing batches as they fill. Stops at the first failure,
   * leaving the failed batch sealed for `retry()`; messages after it are not taken.
   */
  async consume(messages: readonly KafkaMessage[], control: ConsumeControl): Promise<ConsumeResult> {
    let lastOffset: number | null = null;
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < this.nextOffset) {
        lastOffset = offset; // already settled by an earlier owner
        continue;
      }
      if (!control.shouldContinue() || this.sealed !== null) return { outcome: 'stopped', lastOffset };
      try {
        if (this.replay && offset > this.replay.pending.end) await this.finishReplay();
        if (this.replay) {
          this.takeReplayed(message, offset);
          lastOffset = offset;
          if (offset === this.replay.pending.end) await this.finishReplay();
          continue;
        }
        await this.take(message, offset, control);
        lastOffset = offset;
        if (this.open?.isFull(this.ctx.limits)) await this.flushOpen();
      } catch (error) {
        return { outcome: 'failed', lastOffset, error };
      }
    }
    return { outcome: 'done', lastOffset };
  }

  /** Cuts the open batch (age, shutdown, buffer pressure) and lands it. */
  async flushOpen(): Promise<void> {
    if (this.sealed) await this.landSealed();
    const batch = this.open;
    if (batch === null || batch.isEmpty) return;
    this.open = null;
    this.sealed = {
      batch,
      key: batch.day === null ? null : objectKey(this.ctx.prefix, batch.day, this.ctx.topic, this.ctx.partition, String(batch.start)),
      stage: batch.deadLetters.length > 0 ? 'dead-letters' : 'intent',
    };
    await this.landSealed();
  }

  /** Lands the batch a failed write left sealed. */
  async retry(): Promise<void> {
    await this.landSealed();
  }

  private async take(message: KafkaMessage, offset: number, control: ConsumeControl): Promise<void> {
    const result = validateRecord(message.value, this.ctx.maxRecordBytes);
    this.ctx.onRecord(result.ok, result.ok ? undefined : result.reason);
    if (!result.ok) {
      this.openAt(offset).addDeadLetter(offset, { message, partition: this.ctx.partition, reason: result.reason, detail: result.detail });
      this.nextOffset = offset + 1;
      return;
    }
    const day = utcDay(result.lastUpdatedMs);
    const line = formatLine(result.record, this.coordinates(message), new Date(this.ctx.now()).toISOString());
    const open = this.open;
    if (open && (open.wouldSpanDays(day) || open.wouldOverflow(Buffer.byteLength(line), this.ctx.limits) || control.overBudget())) {
      await this.flushOpen();
    }
    this.openAt(offset).addRecord(offset, line, day, result.lastUpdatedMs);
    this.nextOffset = offset + 1;
  }

  private takeReplayed(message: KafkaMessage, offset: number): void {
    const replay = this.replay!;
    const result = validateRecord(message.value, this.ctx.maxRecordBytes);
    // Invalid records of this range were dead-lettered before its intent was written.
    if (result.ok) {
      const line = formatLine(result.record, this.coordinates(message), new Date(this.ctx.now()).toISOString());
      replay.batch.addRecord(offset, line, utcDay(result.lastUpdatedMs), result.lastUpdatedMs);
    }
    this.nextOffset = offset + 1;
  }

  /** Rewrites the announced object from exactly its announced range, then carries on after it. */
  private async finishReplay(): Promise<void> {
    const { pending, batch } = this.replay!;
    this.replay = null;
    if (batch.lines.length !== pending.records) {
      this.ctx.logger.warn(
        { topic: this.ctx.topic, partition: this.ctx.partition, pending, found: batch.lines.length },
        'replayed range differs from its intent (log truncated by retention?)',
      );
    }
    batch.end = pending.end;
    this.nextOffset = Math.max(this.nextOffset, pending.end + 1);
    this.sealed = { batch, key: batch.lines.length > 0 ? pending.key : null, stage: 'data' };
    await this.landSealed();
  }

  private async landSealed(): Promise<void> {
    const sealed = this.sealed;
    if (sealed === null) return;
    const { batch } = sealed;
    if (sealed.stage === 'dead-letters') {
      await this.ctx.deadLetters.publish(batch.deadLetters);
      sealed.stage = 'intent';
    }
    if (sealed.stage === 'intent') {
      await this.announce(batch, sealed.key);
      sealed.stage = 'data';
    }
    if (sealed.key !== null) await this.writeObject(sealed.key, batch);
    this.sealed = null;
    this.settle(batch.end + 1);
  }

  /** Appends the intent for `batch`; from here on its range is fixed whoever writes the object. */
  private async announce(batch: Batch, key: string | null): Promise<void> {
    const entry: PositionEntry = {
      version: 1,
      topic: this.ctx.topic,
      partition: this.ctx.partition,
      epoch: this.epoch,
      owner: this.ctx.owner,
      next: batch.end + 1,
      pending: key === null ? null : { start: batch.start, end: batch.end, key, records: batch.lines.length },
      writtenAt: new Date(this.ctx.now()).toISOString(),
    };
    const seq = this.seq + 1;
    try {
      await this.log.append(seq, entry);
    } catch (error) {
      if (!(error instanceof FencedError) || !(await this.landedAnyway(seq, entry))) throw error;
    }
    this.seq = seq;
    if (seq % PRUNE_EVERY === 0) {
      await this.log.prune(seq).catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'pruning position log failed'));
    }
  }

  /** A retried append finds its slot taken: by this very entry when an earlier attempt's reply was lost. */
  private async landedAnyway(seq: number, entry: PositionEntry): Promise<boolean> {
    const latest = await this.log.latest();
    return latest?.seq === seq && latest.entry.owner === entry.owner && latest.entry.writtenAt === entry.writtenAt;
  }

  private async writeObject(key: string, batch: Batch): Promise<void> {
    const body = batch.body();
    const started = performance.now();
    await this.ctx.store.put(key, body, { contentType: 'application/x-ndjson' });
    this.ctx.onObjectWritten(body.length, batch.lines.length, (performance.now() - started) / 1000);
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

  private coordinates(message: KafkaMessage) {
    return { topic: this.ctx.topic, partition: this.ctx.partition, offset: message.offset, timestamp: message.timestamp };
  }
}

/** An intent whose object already exists is settled: atomic writes mean it is complete. */
async function settledPending(store: ObjectStore, pending: PendingObject): Promise<PendingObject | null> {
  const found = await store.list(pending.key);
  return found.some((o) => o.key === pending.key) ? null : pending;
}
