import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadedPipeline } from '../config/load.ts';
import { ConfigWatcher } from '../config/watch.ts';
import { AssetEventStream, type AssetEvent } from '../jobs/asset-events.ts';
import { Orchestrator } from '../jobs/orchestrator.ts';
import { warnAboutLegacyState } from '../jobs/legacy-prefix.ts';
import type { OrchestratorSettings } from '../jobs/settings.ts';
import { closeRedis, connectRedis, type RedisClient } from '../redis/connection.ts';
import { LeaderLease, RedisLease, leaseKeys } from '../redis/lease.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { evaluateAutomation, type Evaluation, type RunRequest } from './evaluate.ts';
import { SchedulerKeys } from './keys.ts';
import { AutomationStore } from './state.ts';

export interface SchedulerOptions {
  file: string;
  pipeline: LoadedPipeline;
  redisUrl: string;
  settings: OrchestratorSettings;
  logger: Logger;
  /** Watch the config file and apply valid edits (default true). */
  watchConfig?: boolean;
  /** Identifies this process in the lease log and the published config. */
  holder?: string;
  /** Cron schedules, reconciled by the leader (src/scheduler/schedules). */
  schedules?: ScheduleHooks;
  now?: () => number;
}

/** What the scheduler needs of the cron schedule service. */
export interface ScheduleHooks {
  reconcile(pipeline: LoadedPipeline): Promise<Array<{ description: string }>>;
  close(): Promise<void>;
}

export type SchedulerState = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * `strata scheduler`: any number run; one leads (a fenced Redis lease). Every process watches
 * the config file; the leader reconciles cron schedules, follows the asset event stream and
 * evaluates automation on events (debounced) and on time (freshness deadlines, intervals),
 * submitting runs through the orchestrator and recording why it did or did not.
 * See docs/scheduler.md for the evaluation model.
 */
export class Scheduler {
  private state: SchedulerState = 'idle';
  private readonly keys: SchedulerKeys;
  private readonly store: AutomationStore;
  private readonly events: AssetEventStream;
  private readonly leader: LeaderLease;
  private readonly holder: string;
  private readonly stop = new AbortController();
  private readonly now: () => number;
  private watcher: ConfigWatcher | undefined;
  private leading = false;
  private cursor: string | undefined;
  private evaluation: Promise<void> | undefined;
  private evaluateAgain = false;
  private debounceTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private loops: Promise<void>[] = [];
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: SchedulerOptions,
    private readonly redis: RedisClient,
    private readonly reader: RedisClient,
    private readonly orchestrator: Orchestrator,
  ) {
    this.now = options.now ?? Date.now;
    this.holder = options.holder ?? `scheduler@${hostname()}:${process.pid}`;
    this.keys = new SchedulerKeys(options.settings.keyPrefix);
    this.store = new AutomationStore(redis, orchestrator.keys, this.keys);
    this.events = new AssetEventStream(redis, orchestrator.keys);
    this.leader = new LeaderLease(
      new RedisLease(redis, leaseKeys(this.keys.leader()), this.pipeline.scheduler.leaseTtlMs),
      this.holder,
    );
  }

  static async start(options: SchedulerOptions): Promise<Scheduler> {
    const redis = await connectRedis(options.redisUrl);
    // XREAD BLOCK holds its connection; the leader's reads get one of their own.
    const reader = await connectRedis(options.redisUrl);
    const orchestrator = await Orchestrator.connect(options.pipeline, {
      redisUrl: options.redisUrl,
      settings: options.settings,
    });
    await warnAboutLegacyState(redis, options.settings, (message) => options.logger.warn(message));
    const scheduler = new Scheduler(options, redis, reader, orchestrator);
    await scheduler.begin();
    return scheduler;
  }

  get pipeline(): LoadedPipeline {
    return this.orchestrator.pipeline;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private async begin(): Promise<void> {
    this.state = 'running';
    if (this.options.watchConfig !== false) {
      this.watcher = new ConfigWatcher({
        file: this.options.file,
        initial: this.options.pipeline,
        logger: this.options.logger,
        onApplied: (pipeline) => this.applyConfig(pipeline),
        onInvalid: (message) => this.onInvalidConfig(message),
      });
      await this.watcher.ready();
    }
    this.loops = [this.leadershipLoop(), this.eventLoop()];
  }

  /** Evaluates now (leader only); resolves when the evaluation, and any it queued, is done. */
  async evaluateNow(): Promise<void> {
    if (!this.leading) return;
    if (this.evaluation) {
      this.evaluateAgain = true;
      return this.evaluation;
    }
    this.evaluation = (async () => {
      do {
        this.evaluateAgain = false;
        try {
          await this.evaluateOnce();
        } catch (error) {
          this.options.logger.error({ err: errorMessage(error) }, 'automation evaluation failed');
        }
      } while (this.evaluateAgain && this.leading);
    })().finally(() => {
      this.evaluation = undefined;
    });
    return this.evaluation;
  }

  private async evaluateOnce(): Promise<Evaluation> {
    const pipeline = this.pipeline;
    const now = this.now();
    const snapshot = await this.store.snapshot(pipeline);
    const result = evaluateAutomation({
      now,
      graph: pipeline.graph,
      assets: pipeline.assets,
      state: snapshot.state,
      settings: pipeline.scheduler,
      runningAutomatedRuns: snapshot.runningAutomatedRuns,
    });
    for (const request of result.requests) await this.submit(request, now);
    const changed = await this.store.recordDecisions(result.decisions, now);
    for (const d of changed) {
      if (d.action !== 'request') {
        this.options.logger.info(
          { asset: d.asset, action: d.action, reason: d.reason },
          `${d.asset}: ${d.reason}`,
        );
      }
    }
    this.scheduleWake(result.wakeAt);
    return result;
  }

  private async submit(request: RunRequest, now: number): Promise<void> {
    // A paused leader that lost its lease must not start runs a new leader may also start.
    if (!(await this.leader.hold())) {
      this.loseLeadership('lease lost before submitting a run');
      return;
    }
    const { runId } = await this.orchestrator.submit({
      selection: request.assets.join(','),
      trigger: request.trigger,
      reason: request.reason,
    });
    await this.store.recordRequest(runId, request.assets, now);
    this.options.logger.info(
      { runId, trigger: request.trigger, assets: request.assets, reason: request.reason },
      `started run ${runId} (${request.trigger}): ${request.assets.join(', ')}`,
    );
  }

  /** Re-evaluates when the earliest time-based condition changes, and at least every tick. */
  private scheduleWake(wakeAt: number | undefined): void {
    clearTimeout(this.wakeTimer);
    const tick = this.pipeline.scheduler.tickMs;
    const delay = Math.min(tick, Math.max(10, (wakeAt ?? Infinity) - this.now()));
    this.wakeTimer = setTimeout(() => void this.evaluateNow(), delay);
    this.wakeTimer.unref();
  }

  /** Events inside the debounce window coalesce into one evaluation. */
  private onEvents(events: AssetEvent[]): void {
    if (events.length === 0 || this.debounceTimer) return;
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      void this.evaluateNow();
    }, this.pipeline.scheduler.debounceMs);
    this.debounceTimer.unref();
  }

  private async leadershipLoop(): Promise<void> {
    const every = Math.max(100, Math.floor(this.pipeline.scheduler.leaseTtlMs / 3));
    while (!this.stop.signal.aborted) {
      let held = false;
      try {
        held = await this.leader.hold();
      } catch (error) {
        this.options.logger.warn(
          { err: errorMessage(error) },
          'cannot reach Redis for the scheduler lease',
        );
      }
      if (held && !this.leading) await this.becomeLeader();
      else if (!held && this.leading) this.loseLeadership('another scheduler holds the lease');
      try {
        await sleep(every, undefined, { signal: this.stop.signal });
      } catch {
        return;
      }
    }
  }

  private async becomeLeader(): Promise<void> {
    this.leading = true;
    this.options.logger.info({ holder: this.holder }, 'this scheduler now leads');
    try {
      this.cursor = (await this.redis.get(this.keys.cursor())) ?? (await this.events.latestId());
      await this.applyConfig(this.pipeline);
    } catch (error) {
      this.options.logger.error({ err: errorMessage(error) }, 'taking the lead failed');
    }
  }

  private loseLeadership(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.wakeTimer);
    clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
    this.options.logger.warn({ reason }, 'this scheduler stops leading');
  }

  /** Follows the asset event stream while leading; the cursor survives a change of leader. */
  private async eventLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      if (!this.leading || this.cursor === undefined) {
        try {
          await sleep(100, undefined, { signal: this.stop.signal });
        } catch {
          return;
        }
        continue;
      }
      try {
        const events = await this.events.read(this.cursor, { blockMs: 1_000, redis: this.reader });
        const last = events.at(-1);
        if (last && this.leading) {
          this.cursor = last.id;
          await this.redis.set(this.keys.cursor(), last.id);
          this.onEvents(events);
        }
      } catch (error) {
        if (this.stop.signal.aborted) return;
        this.options.logger.warn(
          { err: errorMessage(error) },
          'reading asset events failed; retrying',
        );
        await sleep(1_000, undefined, { signal: this.stop.signal }).catch(() => undefined);
      }
    }
  }

  /** A valid config (at start, on taking the lead, or after an edit): apply and publish it. */
  private async applyConfig(pipeline: LoadedPipeline): Promise<void> {
    this.orchestrator.usePipeline(pipeline);
    if (!this.leading) return;
    try {
      // The schedule service logs each change it applies (scheduler-schedules.test.ts).
      await this.options.schedules?.reconcile(pipeline);
    } catch (error) {
      const message = `schedules not applied: ${errorMessage(error)}`;
      this.options.logger.error({ err: errorMessage(error) }, message);
      await this.publishConfigError(message);
      return;
    }
    // The error shown beside the applied config is the leader's own: none, or (on taking the
    // lead with a broken file) the edit its watcher rejected, replacing any previous leader's.
    const error = this.watcher?.error;
    await this.redis.hset(this.keys.config(), {
      hash: pipeline.sourceHash,
      file: pipeline.file,
      appliedAt: this.now(),
      holder: this.holder,
      error: error ?? '',
      errorAt: error === undefined ? '' : this.now(),
    });
    await this.evaluateNow();
  }

  /**
   * An invalid edit of this process's file (the watcher has logged it). Only the leader's is
   * published: the leader alone clears the shared error, so a standby's would stay in everyone's
   * status after the standby's file was fixed or the process stopped. A standby's broken file
   * shows in status as a file that differs from the leader's applied config.
   */
  private async onInvalidConfig(message: string): Promise<void> {
    if (this.leading) await this.publishConfigError(message);
  }

  private async publishConfigError(message: string): Promise<void> {
    await this.redis.hset(this.keys.config(), { error: message, errorAt: this.now() });
  }

  /** Graceful stop: no new evaluations, the current one finishes, the lease is given up. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.state = 'stopping';
      this.stop.abort();
      clearTimeout(this.wakeTimer);
      clearTimeout(this.debounceTimer);
      const wasLeading = this.leading;
      this.leading = false;
      // Unblock a pending XREAD so the event loop sees the abort.
      this.reader.disconnect();
      await Promise.allSettled(this.loops);
      await this.evaluation;
      const steps: Array<[string, () => Promise<unknown>]> = [
        ['close config watcher', async () => this.watcher?.close()],
        ['close schedules', async () => this.options.schedules?.close()],
        ['release lease', async () => (wasLeading ? this.leader.release() : undefined)],
        ['close orchestrator', () => this.orchestrator.close()],
        ['close redis', () => closeRedis(this.redis)],
      ];
      for (const [step, run] of steps) {
        try {
          await run();
        } catch (error) {
          this.options.logger.warn(
            { step, err: errorMessage(error) },
            'scheduler shutdown step failed',
          );
        }
      }
      this.state = 'stopped';
    })());
  }

  get currentState(): SchedulerState {
    return this.state;
  }
}
