import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type Producer,
} from 'kafkajs';
import { backoffDelay, type BackoffOptions } from '../shared/backoff.ts';
import { DeadlineExceededError } from '../shared/deadline.ts';
import { WorkFailedError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { BucketMissingError, type ObjectStore } from '../storage/index.ts';
import type { BatchLimits } from './batch.ts';
import { OffsetCommitter } from './committer.ts';
import { ConsumerRestarts } from './consumer-restarts.ts';
import { DeadLetterPublisher } from './dead-letters.ts';
import { connectAdmin, ensureTopics, retryKafka } from './kafka.ts';
import type { IngestMetrics } from './metrics.ts';
import { PartitionSink, type ConsumeControl, type SinkContext } from './partition-sink.ts';
import { FencedError } from './positions.ts';
import { SerialLock } from './serial-lock.ts';

export interface IngestOptions {
  topic: string;
  dlqTopic: string;
  groupId: string;
  /** Used to create the topics when they are missing. */
  partitions: number;
  replicationFactor: number;
  /** Data prefix in the store, e.g. `crypto_data`. */
  prefix: string;
  /** Where the per-partition position logs live; default `_strata/ingest/<prefix>`. */
  statePrefix?: string;
  batch: BatchLimits;
  maxRecordBytes: number;
  /** Above this many buffered bytes, open batches are cut early. */
  maxBufferedBytes: number;
  sessionTimeoutMs?: number;
  maxWaitTimeMs?: number;
  maxBytesPerPartition?: number;
  /** Partitions processed at the same time within one fetch. */
  concurrency?: number;
  progressIntervalMs?: number;
  /** Backoff between attempts to land a batch while storage fails. */
  healBackoff?: BackoffOptions;
  /** How long a shutdown may spend landing open batches before it leaves them to Kafka. */
  stopGraceMs?: number;
  /** How long the consumer may fail to join its group (transient errors) before ingest fails. */
  joinDeadlineMs?: number;
}

export interface IngestDependencies {
  kafka: Kafka;
  store: ObjectStore;
  metrics: IngestMetrics;
  logger: Logger;
  now?: () => number;
  /** Told of every object that became durable, with the newest record time it holds. */
  onLanded?: (landed: { partition: number; records: number; newestRecordTime: number }) => void;
}

export type IngestState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface IngestStats {
  state: IngestState;
  /** Messages taken for the first time by this process. */
  consumed: number;
  /** Messages Kafka delivered again (after a rejoin, a seek back, or already landed by another owner). */
  redelivered: number;
  /** Records landed: valid ones written in objects, invalid ones dead-lettered. */
  valid: number;
  invalid: number;
  objects: number;
  bytesWritten: number;
  uploadErrors: number;
  bufferedBytes: number;
  assigned: number[];
  paused: number[];
  /** Group generations joined: grows when the consumer rejoins (e.g. its session expired). */
  generation: number;
}

/** Per-partition state of this process: the current sink and whether storage lets it write. */
interface Slot {
  partition: number;
  lock: SerialLock;
  sink: PartitionSink | null;
  blocked: boolean;
  /** Failed writes since the last one that succeeded; drives the heal backoff. */
  healAttempt: number;
  timer: NodeJS.Timeout | null;
  /** The offset last sought to, so a gap in the log is crossed instead of sought forever. */
  soughtTo: number | null;
  ageFlushQueued: boolean;
}

const DEFAULT_HEAL: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 };
/** A partition fenced by a newer owner waits for the next rebalance, or this long. */
const FENCED_WAIT_MS = 30_000;

/**
 * `strata ingest`: one member of the Kafka consumer group that lands the topic in object storage,
 * exactly once per record (see docs/ingest.md). Lifecycle: idle -> starting -> running ->
 * stopping -> stopped (or failed when Kafka gives up); close() is idempotent and always flushes
 * open batches, commits, and leaves the group.
 */
export class IngestService {
  private state: IngestState = 'idle';
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly committer: OffsetCommitter;
  private readonly restarts: ConsumerRestarts;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly slots = new Map<number, Slot>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly statePrefix: string;
  private readonly tally = {
    consumed: 0,
    redelivered: 0,
    valid: 0,
    invalid: 0,
    objects: 0,
    bytesWritten: 0,
    uploadErrors: 0,
  };
  private generation = 0;
  /** Per partition, the offset below which this process has taken every message (across generations). */
  private readonly takenUpTo = new Map<number, number>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private closing: Promise<void> | null = null;
  private failure: unknown = undefined;
  private resolveDone!: () => void;
  private rejectDone!: (error: unknown) => void;
  /** Settles when the service has stopped: resolves after close(), rejects with why it failed. */
  readonly done: Promise<void>;

  constructor(
    private readonly options: IngestOptions,
    private readonly deps: IngestDependencies,
  ) {
    this.now = deps.now ?? Date.now;
    this.statePrefix = options.statePrefix ?? `_strata/ingest/${options.prefix}`;
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.restarts = new ConsumerRestarts({
      logger: deps.logger,
      stopping: () => this.closing !== null,
      deadlineMs: options.joinDeadlineMs,
      now: this.now,
    });
    this.consumer = deps.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 6)),
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      allowAutoTopicCreation: false,
      retry: { retries: 5, restartOnFailure: (error) => this.restarts.shouldRestart(error) },
    });
    this.producer = deps.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.deadLetters = new DeadLetterPublisher(this.producer, options.dlqTopic, options.topic);
    this.committer = new OffsetCommitter(
      options.topic,
      (offsets) => this.consumer.commitOffsets(offsets),
      deps.logger,
    );
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // observed through `done` by whoever cares
  }

  get currentState(): IngestState {
    return this.state;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`cannot start ingest in state ${this.state}`);
    this.state = 'starting';
    const { topic, dlqTopic, partitions, replicationFactor } = this.options;
    const { logger } = this.deps;
    const admin = this.deps.kafka.admin();
    await connectAdmin(admin, logger);
    try {
      await ensureTopics(
        admin,
        [
          { topic, partitions, replicationFactor },
          { topic: dlqTopic, partitions, replicationFactor },
        ],
        this.deps.logger,
      );
    } finally {
      await admin.disconnect();
    }
    await retryKafka('connecting the producer', () => this.producer.connect(), { logger });
    this.watchConsumer();
    await retryKafka('connecting the consumer', () => this.consumer.connect(), { logger });
    await retryKafka('subscribing', () => this.consumer.subscribe({ topic, fromBeginning: true }), {
      logger,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
    const tick = Math.max(50, Math.min(1_000, Math.floor(this.options.batch.maxAgeMs / 4)));
    this.timers.push(setInterval(() => this.flushAged(), tick));
    this.timers.push(
      setInterval(() => this.logProgress(), this.options.progressIntervalMs ?? 15_000),
    );
    if (this.state === 'starting') this.state = 'running';
    this.deps.logger.info(
      {
        topic,
        groupId: this.options.groupId,
        store: this.deps.store.location,
        prefix: this.options.prefix,
      },
      'ingest running',
    );
  }

  /** Stops with `error`: `done` rejects with it once the shutdown has run. */
  private fail(error: unknown): void {
    this.failure ??= error;
    void this.close();
  }

  /** Stops taking work, lands open batches, commits, leaves the group. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  stats(): IngestStats {
    const slots = [...this.slots.values()];
    return {
      state: this.state,
      ...this.tally,
      generation: this.generation,
      bufferedBytes: this.bufferedBytes(),
      assigned: slots.map((s) => s.partition).sort((a, b) => a - b),
      paused: slots
        .filter((s) => s.blocked)
        .map((s) => s.partition)
        .sort((a, b) => a - b),
    };
  }

  private watchConsumer(): void {
    const { events } = this.consumer;
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.restarts.joined();
      this.onAssignment(payload.memberAssignment[this.options.topic] ?? []);
    });
    this.consumer.on(events.REBALANCING, () => this.deps.logger.info('group rebalancing'));
    this.consumer.on(events.CRASH, ({ payload }) => {
      if (payload.restart) return; // ConsumerRestarts logged it and the consumer starts again
      if (this.closing !== null) {
        this.deps.logger.warn({ err: payload.error }, 'kafka consumer crashed while stopping');
        return;
      }
      this.deps.logger.error({ err: payload.error }, 'kafka consumer crashed');
      this.fail(payload.error);
    });
  }

  /**
   * A new generation: sinks of the previous one are dropped with their buffers (Kafka redelivers
   * from the committed offset, and each partition is claimed again before it is written).
   */
  private onAssignment(partitions: number[]): void {
    this.generation++;
    for (const slot of this.slots.values()) this.clearTimer(slot);
    this.slots.clear();
    for (const partition of partitions) {
      this.slots.set(partition, {
        partition,
        lock: new SerialLock(),
        sink: null,
        blocked: false,
        healAttempt: 0,
        timer: null,
        soughtTo: null,
        ageFlushQueued: false,
      });
    }
    this.committer.setAssigned(partitions);
    if (this.state === 'running' || this.state === 'starting')
      this.consumer.resume([{ topic: this.options.topic }]);
    this.deps.logger.info({ partitions, generation: this.generation }, 'partitions assigned');
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const slot = this.slots.get(payload.batch.partition);
    if (this.state !== 'running' || slot === undefined) return;
    this.inFlight++;
    try {
      await slot.lock.run(() => this.consumeBatch(slot, payload));
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
    }
    await payload.heartbeat();
  }

  /**
   * Gives the batch to the partition's sink (claiming the partition on its first batch) and
   * resolves the offsets the sink took; what it did not take is fetched again after a resume.
   */
  private async consumeBatch(slot: Slot, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (
      slot.blocked ||
      this.state !== 'running' ||
      payload.isStale() ||
      this.slots.get(slot.partition) !== slot
    )
      return;
    const first = Number(batch.messages[0]?.offset ?? batch.firstOffset());
    const sink = slot.sink ?? (await this.claim(slot, first));
    if (sink === null) return;
    if (Number(batch.highWatermark) < sink.position) {
      // The log ends before what already landed: the topic was deleted and created again (or lost
      // data). Going on would skip the new records as already landed, so stop and say why.
      this.fail(
        new WorkFailedError(
          `${this.options.topic}[${slot.partition}] ends at offset ${batch.highWatermark}, but offsets up to ${sink.position} already landed in ${this.deps.store.location}; ` +
            `was the topic recreated? Move the position log (${this.statePrefix}/${this.options.topic}/) and the data aside, or use another prefix.`,
        ),
      );
      return;
    }
    if (first > sink.position && slot.soughtTo !== sink.position) {
      // Kafka's committed offset is past an announced object that must be rewritten: go back.
      this.deps.logger.info(
        { partition: slot.partition, from: first, to: sink.position },
        'seeking back to rewrite an announced object',
      );
      this.seekTo(slot, sink.position);
      return;
    }
    const result = await sink.consume(batch.messages, this.control);
    if (result.lastOffset !== null) {
      this.countTaken(slot.partition, batch.messages, result.lastOffset);
      payload.resolveOffset(String(result.lastOffset));
    }
  }

  /** Counts the messages taken up to `lastOffset`: new ones as consumed, the others as redelivered. */
  private countTaken(
    partition: number,
    messages: readonly { offset: string }[],
    lastOffset: number,
  ): void {
    const takenUpTo = this.takenUpTo.get(partition) ?? 0;
    let fresh = 0;
    let again = 0;
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset > lastOffset) break;
      if (offset < takenUpTo) again++;
      else fresh++;
    }
    this.takenUpTo.set(partition, Math.max(takenUpTo, lastOffset + 1));
    const { topic } = this.options;
    this.tally.consumed += fresh;
    this.tally.redelivered += again;
    if (fresh > 0) this.deps.metrics.recordsConsumed.inc({ topic }, fresh);
    if (again > 0) this.deps.metrics.recordsRedelivered.inc({ topic }, again);
  }

  private seekTo(slot: Slot, offset: number): void {
    slot.soughtTo = offset;
    this.consumer.seek({
      topic: this.options.topic,
      partition: slot.partition,
      offset: String(offset),
    });
  }

  private async claim(slot: Slot, fetchFrom: number): Promise<PartitionSink | null> {
    try {
      slot.sink = await PartitionSink.claim(this.sinkContext(slot), fetchFrom);
    } catch (error) {
      this.onWriteFailure(slot, error);
      return null;
    }
    slot.soughtTo = null;
    this.healed(slot);
    // What landed before this claim was taken once already, by this process or another.
    this.takenUpTo.set(
      slot.partition,
      Math.max(this.takenUpTo.get(slot.partition) ?? 0, slot.sink.settled),
    );
    if (fetchFrom < slot.sink.settled) {
      // Landed but not committed before the last owner stopped: skip those, and commit them now.
      this.deps.logger.info(
        { partition: slot.partition, from: fetchFrom, to: slot.sink.settled },
        'skipping offsets already landed',
      );
      this.committer.mark(slot.partition, slot.sink.settled);
    }
    return slot.sink;
  }

  private readonly control: ConsumeControl = {
    shouldContinue: () => this.state === 'running',
    overBudget: () => this.bufferedBytes() > this.options.maxBufferedBytes,
  };

  private sinkContext(slot: Slot): SinkContext {
    const { topic } = this.options;
    const { metrics } = this.deps;
    const { partition } = slot;
    const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    return {
      store: this.deps.store,
      topic,
      partition,
      prefix: this.options.prefix,
      statePrefix: this.statePrefix,
      limits: this.options.batch,
      maxRecordBytes: this.options.maxRecordBytes,
      owner,
      deadLetters: this.deadLetters,
      onSettled: (offset) => this.committer.mark(partition, offset),
      onObjectWritten: (bytes, records, seconds, newestRecordTime) => {
        if (newestRecordTime !== null) {
          this.deps.onLanded?.({ partition, records, newestRecordTime });
        }
        this.tally.objects++;
        this.tally.bytesWritten += bytes;
        metrics.objectsWritten.inc({ topic });
        metrics.bytesWritten.inc({ topic }, bytes);
        metrics.uploadDuration.observe({ topic }, seconds);
      },
      onRecords: (valid, invalid) => {
        for (const [reason, count] of invalid) {
          this.tally.invalid += count;
          metrics.recordsInvalid.inc({ topic, reason }, count);
        }
        this.tally.valid += valid;
        if (valid > 0) metrics.recordsValid.inc({ topic }, valid);
      },
      // Only the slot's current sink may pause it; a dropped sink's late failure is history.
      onLandingFailed: (error) => {
        if (slot.sink?.owner === owner) this.onWriteFailure(slot, error);
      },
      logger: this.deps.logger,
      now: this.now,
    };
  }

  /**
   * A write failed. Fenced: another process owns the partition now, so this one lets go of it.
   * Anything else: storage or the DLQ is failing, so the partition pauses (its buffer stays
   * bounded, nothing is committed) and the write is retried with backoff until it heals.
   */
  private onWriteFailure(slot: Slot, error: unknown): void {
    const { partition } = slot;
    // A write of a previous generation: that slot is gone and must not pause the new owner.
    if (this.slots.get(partition) !== slot) return;
    if (this.state !== 'running') {
      this.deps.logger.warn(
        { partition, error: errorMessage(error) },
        'write failed while stopping',
      );
      return;
    }
    if (error instanceof FencedError) {
      this.deps.logger.warn(
        { partition, reason: error.message },
        'partition fenced by a newer owner; waiting for the rebalance',
      );
      slot.sink = null;
      this.pause(slot);
      this.schedule(slot, FENCED_WAIT_MS, () => this.unblock(slot));
      return;
    }
    this.tally.uploadErrors++;
    this.deps.metrics.uploadErrors.inc({ topic: this.options.topic });
    // A timed-out write is a slow write: the duration histogram (and its alert rule) must see it.
    const deadline = findCause(error, DeadlineExceededError);
    if (deadline)
      this.deps.metrics.uploadDuration.observe(
        { topic: this.options.topic },
        deadline.timeoutMs / 1000,
      );
    slot.healAttempt++;
    const delay = backoffDelay(slot.healAttempt, this.options.healBackoff ?? DEFAULT_HEAL);
    const fields = { partition, attempt: slot.healAttempt, retryInMs: delay };
    const missing = findCause(error, BucketMissingError);
    if (missing) {
      // Retrying cannot help until someone creates it; say so plainly, once per backoff step.
      this.deps.logger.error(fields, `${missing.message}; partition paused, retrying`);
    } else {
      this.deps.logger.warn(
        { ...fields, timedOut: deadline !== undefined, error: errorMessage(error) },
        'write failed; partition paused',
      );
    }
    this.pause(slot);
    this.schedule(slot, delay, () => this.heal(slot));
  }

  private async heal(slot: Slot): Promise<void> {
    await slot.lock.run(async () => {
      if (this.slots.get(slot.partition) !== slot || this.state !== 'running') return;
      // A failed claim has no sink: resuming lets the next batch claim again, and only a claim
      // that succeeds counts as healed (the backoff keeps growing until then).
      if (slot.sink?.isStuck) {
        try {
          await slot.sink.retry();
        } catch {
          return; // the sink reported it through onLandingFailed, which scheduled the next attempt
        }
        this.healed(slot);
      }
      this.unblock(slot);
    });
  }

  /** A write succeeded: the backoff starts over, and a partition that was failing says so. */
  private healed(slot: Slot): void {
    if (slot.healAttempt === 0) return;
    this.deps.logger.info(
      { partition: slot.partition, failedAttempts: slot.healAttempt },
      'write healed; partition resumed',
    );
    slot.healAttempt = 0;
  }

  private flushAged(): void {
    if (this.state !== 'running') return;
    const now = this.now();
    for (const slot of this.slots.values()) {
      if (slot.blocked || slot.ageFlushQueued || !slot.sink?.isDue(now)) continue;
      slot.ageFlushQueued = true;
      void slot.lock.run(async () => {
        slot.ageFlushQueued = false;
        const sink = slot.sink;
        if (sink === null || slot.blocked || this.state !== 'running' || !sink.isDue(this.now()))
          return;
        // A failure is reported through onLandingFailed.
        await sink.flushOpen().catch(() => undefined);
      });
    }
  }

  private pause(slot: Slot): void {
    slot.blocked = true;
    this.consumer.pause([{ topic: this.options.topic, partitions: [slot.partition] }]);
  }

  private unblock(slot: Slot): void {
    if (this.slots.get(slot.partition) !== slot || this.state !== 'running') return;
    slot.blocked = false;
    this.consumer.resume([{ topic: this.options.topic, partitions: [slot.partition] }]);
  }

  private schedule(slot: Slot, delayMs: number, action: () => void | Promise<void>): void {
    this.clearTimer(slot);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      void Promise.resolve(action()).catch((error: unknown) =>
        this.deps.logger.error({ err: error }, 'partition timer failed'),
      );
    }, delayMs);
  }

  private clearTimer(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const slot of this.slots.values()) total += slot.sink?.bufferedBytes ?? 0;
    return total;
  }

  private lastProgress = { atMs: 0, consumed: 0 };

  private logProgress(): void {
    const now = this.now();
    const { atMs, consumed } = this.lastProgress;
    const seconds = atMs === 0 ? 0 : (now - atMs) / 1000;
    const rate = seconds > 0 ? (this.tally.consumed - consumed) / seconds : 0;
    this.lastProgress = { atMs: now, consumed: this.tally.consumed };
    const stats = this.stats();
    const { topic } = this.options;
    this.deps.metrics.throughput.set({ topic }, rate);
    this.deps.metrics.bufferedBytes.set({ topic }, stats.bufferedBytes);
    this.deps.metrics.pausedPartitions.set({ topic }, stats.paused.length);
    this.deps.logger.info(
      { ...stats, recordsPerSecond: Math.round(rate * 10) / 10 },
      'ingest progress',
    );
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      this.resolveDone();
      return;
    }
    this.state = 'stopping';
    this.deps.logger.info('ingest stopping: landing open batches');
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const slot of this.slots.values()) this.clearTimer(slot);
    this.consumer.pause([{ topic: this.options.topic }]);
    await this.untilIdle();
    await this.landAll();
    await this.committer.flush();
    await this.consumer
      .disconnect()
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'consumer disconnect failed'),
      );
    await this.producer
      .disconnect()
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error }, 'producer disconnect failed'),
      );
    this.logProgress();
    this.state = this.failure === undefined ? 'stopped' : 'failed';
    this.deps.logger.info({ state: this.state }, 'ingest stopped');
    if (this.failure === undefined) this.resolveDone();
    else this.rejectDone(this.failure);
  }

  /** Lands every open batch once, within the grace time; what cannot land stays in Kafka. */
  private async landAll(): Promise<void> {
    const grace = this.options.stopGraceMs ?? 15_000;
    const landing = Promise.all(
      [...this.slots.values()].map((slot) =>
        slot.lock.run(async () => {
          const sink = slot.sink;
          if (sink === null) return;
          try {
            await sink.retry();
            await sink.flushOpen();
          } catch (error) {
            this.deps.logger.warn(
              { partition: slot.partition, error: errorMessage(error) },
              'could not land a batch at shutdown; Kafka keeps it',
            );
          }
        }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.deps.logger.warn(
          { graceMs: grace },
          'shutdown grace time over; leaving unlanded batches to Kafka',
        );
        resolve();
      }, grace);
    });
    await Promise.race([landing, expired]);
    clearTimeout(timer);
  }

  private untilIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** `error` or the first error in its cause chain that is an instance of `type`. */
function findCause<E extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => E,
): E | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof type) return e;
    e = e.cause;
  }
  return undefined;
}
