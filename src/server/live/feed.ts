import type { RedisClient } from '../../redis/connection.ts';
import type { RedisKeys } from '../../jobs/keys.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';

/** One entry of a run's event stream, as pages receive it. */
export interface LiveEvent {
  runId: string;
  type: string;
  asset?: string;
  at: number;
}

export interface LiveFeedOptions {
  /** How often the event log is read while someone listens. */
  intervalMs?: number;
  /** Most listeners at once; more are refused (each is an open HTTP response). */
  maxListeners?: number;
  /** Most runs followed at once; the oldest are dropped beyond it. */
  maxTrackedRuns?: number;
  logger: Logger;
}

const TERMINAL_EVENTS = new Set(['run_succeeded', 'run_failed', 'run_cancelled']);
/** Every this many ticks, runs that were quiet are checked for having ended or been trimmed. */
const SWEEP_EVERY = 30;

/**
 * One reader of the event log per server process, shared by every open page. While anyone
 * listens it follows the runs that are not finished: new runs from the `runs` index, their
 * progress from each run's event stream (one non-blocking XREAD over all of them per tick, so
 * no Redis connection is held per page). When the last listener leaves it stops reading and
 * forgets everything; the next listener starts afresh. Memory is bounded by maxListeners and
 * maxTrackedRuns however long the server runs.
 */
export class LiveFeed {
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  /** Run id -> id of the last stream entry delivered. */
  private readonly tracked = new Map<string, string>();
  /** Runs created at exactly `since` already picked up (the index query includes that score). */
  private seenAtSince = new Set<string>();
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private failures = 0;
  private readonly intervalMs: number;
  private readonly maxListeners: number;
  private readonly maxTrackedRuns: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: LiveFeedOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 1_000;
    this.maxListeners = options.maxListeners ?? 200;
    this.maxTrackedRuns = options.maxTrackedRuns ?? 1_000;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  get trackedRuns(): number {
    return this.tracked.size;
  }

  /** Returns the unsubscribe function, or undefined when the feed is full. */
  subscribe(listener: (event: LiveEvent) => void): (() => void) | undefined {
    if (this.listeners.size >= this.maxListeners) return undefined;
    this.listeners.add(listener);
    if (this.timer === undefined) this.start();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Drops every listener and stops reading (server shutdown). */
  close(): void {
    this.listeners.clear();
    this.stop();
  }

  private start(): void {
    // Only what happens from now on: a page that subscribes has just rendered the state so far.
    this.since = Date.now();
    this.seenAtSince = new Set();
    this.schedule(0, true);
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.tracked.clear();
    this.seenAtSince.clear();
  }

  private schedule(delayMs: number, first = false): void {
    this.timer = setTimeout(() => {
      void this.tick(first).then(
        () => {
          this.failures = 0;
          if (this.timer !== undefined) this.schedule(this.intervalMs);
        },
        (error: unknown) => {
          this.failures++;
          this.options.logger.warn(
            { err: errorMessage(error), failures: this.failures },
            'live feed cannot read the event log; retrying',
          );
          const delay = Math.max(
            this.intervalMs,
            backoffDelay(this.failures, { initialMs: 500, maxMs: 15_000 }),
          );
          if (this.timer !== undefined) this.schedule(delay);
        },
      );
    }, delayMs);
    this.timer.unref();
  }

  private async tick(first: boolean): Promise<void> {
    if (first) await this.trackUnfinished();
    await this.trackNewRuns();
    if (this.tracked.size > 0) await this.readEvents();
    if (++this.ticks % SWEEP_EVERY === 0) await this.sweep();
  }

  /** Runs already going when the first listener came: follow them from now on. */
  private async trackUnfinished(): Promise<void> {
    const ids = await this.redis.zrevrange(this.keys.runs(), 0, 99);
    const statuses = await Promise.all(
      ids.map((id) => this.redis.hget(this.keys.run(id), 'status')),
    );
    const from = `${this.since}-0`;
    ids.forEach((id, i) => {
      if (statuses[i] === 'queued' || statuses[i] === 'running') this.tracked.set(id, from);
    });
  }

  private async trackNewRuns(): Promise<void> {
    const reply = await this.redis.zrangebyscore(
      this.keys.runs(),
      this.since,
      '+inf',
      'WITHSCORES',
      'LIMIT',
      0,
      1_000,
    );
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const id = reply[i] as string;
      const score = Number(reply[i + 1]);
      if (score === this.since && this.seenAtSince.has(id)) continue;
      if (score > this.since) {
        this.since = score;
        this.seenAtSince = new Set();
      }
      this.seenAtSince.add(id);
      // From the start of its stream: its run_queued event is news to every page.
      this.track(id, '0');
    }
  }

  private track(id: string, from: string): void {
    if (this.tracked.has(id)) return;
    this.tracked.set(id, from);
    // Maps iterate in insertion order: the first key is the run followed longest.
    while (this.tracked.size > this.maxTrackedRuns) {
      const oldest = this.tracked.keys().next().value as string;
      this.tracked.delete(oldest);
    }
  }

  private async readEvents(): Promise<void> {
    const ids = [...this.tracked.keys()];
    const streams = ids.map((id) => this.keys.runEvents(id));
    const after = ids.map((id) => this.tracked.get(id) as string);
    const reply = (await this.redis.xread('COUNT', 500, 'STREAMS', ...streams, ...after)) ?? [];
    const byStream = new Map(ids.map((id, i) => [streams[i] as string, id]));
    for (const [stream, entries] of reply) {
      const runId = byStream.get(stream);
      if (runId === undefined) continue;
      for (const [entryId, fields] of entries) {
        this.tracked.set(runId, entryId);
        const event = toLiveEvent(runId, fields);
        this.publish(event);
        if (TERMINAL_EVENTS.has(event.type)) this.tracked.delete(runId);
      }
    }
  }

  /** Drops runs that ended (or were trimmed) without this feed seeing their last event. */
  private async sweep(): Promise<void> {
    const ids = [...this.tracked.keys()];
    const statuses = await Promise.all(
      ids.map((id) => this.redis.hget(this.keys.run(id), 'status')),
    );
    ids.forEach((id, i) => {
      if (statuses[i] !== 'queued' && statuses[i] !== 'running') this.tracked.delete(id);
    });
  }

  private publish(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.warn({ err: errorMessage(error) }, 'live listener failed');
      }
    }
  }
}

function toLiveEvent(runId: string, fields: string[]): LiveEvent {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2)
    map.set(fields[i] as string, fields[i + 1] as string);
  const asset = map.get('asset');
  return {
    runId,
    type: map.get('type') ?? 'unknown',
    ...(asset ? { asset } : {}),
    at: Number(map.get('at')),
  };
}
