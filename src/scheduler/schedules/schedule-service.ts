import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { LoadedPipeline } from '../../config/index.ts';
import { Orchestrator, orchestratorSettings, type OrchestratorSettings } from '../../jobs/index.ts';
import { closeQueue } from '../../jobs/queue.ts';
import { closeRedis, connectRedis, type RedisClient } from '../../redis/connection.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';
import { planReconcile, tickDataOf, type ScheduleChange, type TickData } from './plan.ts';
import { runTick, type ScheduleTick } from './tick.ts';

export interface ScheduleServiceOptions {
  redisUrl: string;
  /** The orchestrator's key prefix (STRATA_KEY_PREFIX); names the schedules queue too. */
  prefix: string;
  /** The current config; it changes on reload, and each tick reads it afresh. */
  pipeline: () => LoadedPipeline;
  logger: Logger;
  /** Called after each tick acted (awaited: the tick job completes after it). */
  onTick?: (tick: ScheduleTick) => void | Promise<void>;
  /** Timings, BullMQ prefix and asset queue; default: from the environment, with `prefix`. */
  settings?: OrchestratorSettings;
  /** Brokers for `task: produce`; default: KAFKA_BROKERS. */
  kafkaBrokers?: string[];
  /** Ticks handled at once by this process (a slow produce does not hold up a select). */
  concurrency?: number;
}

export interface NextFireTime {
  name: string;
  /** BullMQ's next tick (ms since epoch); undefined when it has none. */
  next: number | undefined;
  cron: string;
  timezone: string;
}

/** The schedules queue: one per key prefix, so isolated deployments and tests never share it. */
export function schedulesQueueName(prefix: string): string {
  // `{strata}:` -> `strata-schedules`: the hash tag's braces are not part of a queue name.
  return `${prefix.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+/, '')}schedules`;
}

/**
 * Cron schedules as BullMQ job schedulers on their own queue. Every scheduler process runs the
 * tick worker (BullMQ creates a schedule's next tick when a worker takes the current one, so
 * the queue needs a worker at all times); only the leader calls reconcile. See
 * docs/scheduler.md, "Cron schedules".
 */
export class ScheduleService {
  private closing: Promise<void> | undefined;
  /** Reconciles run one after another: two overlapping ones could undo each other. */
  private reconciling: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: ScheduleServiceOptions,
    readonly queueName: string,
    private readonly redis: RedisClient,
    private readonly orchestrator: Orchestrator,
    private readonly queue: Queue<TickData>,
    private readonly worker: Worker<TickData, ScheduleTick>,
  ) {}

  static async start(options: ScheduleServiceOptions): Promise<ScheduleService> {
    const settings = options.settings ?? { ...orchestratorSettings(), keyPrefix: options.prefix };
    const queueName = schedulesQueueName(options.prefix);
    const redis = await connectRedis(options.redisUrl);
    let orchestrator: Orchestrator | undefined;
    try {
      orchestrator = await Orchestrator.connect(options.pipeline(), {
        redisUrl: options.redisUrl,
        settings,
      });
      const queue = new Queue<TickData>(queueName, {
        connection: redis,
        prefix: settings.queuePrefix,
      });
      const context = {
        orchestrator,
        redis,
        keyPrefix: settings.keyPrefix,
        pipeline: options.pipeline,
        kafkaBrokers: options.kafkaBrokers ?? serviceSettings().kafkaBrokers,
        logger: options.logger,
      };
      const process = async (job: Job<TickData>): Promise<ScheduleTick> => {
        const tick = await runTick(job, context);
        options.logger.info(tick, tick.created ? 'schedule tick' : 'schedule tick repeated');
        await options.onTick?.(tick);
        return tick;
      };
      const worker = new Worker<TickData, ScheduleTick>(queueName, process, {
        connection: redis,
        prefix: settings.queuePrefix,
        concurrency: options.concurrency ?? 4,
        lockDuration: settings.lockDurationMs,
        stalledInterval: settings.stalledIntervalMs,
        maxStalledCount: settings.maxStalledCount,
      });
      worker.on('error', (error) => options.logger.error({ err: error }, 'schedule worker error'));
      worker.on('failed', (job, error) =>
        options.logger.error(
          { err: error, jobId: job?.id, attempts: job?.attemptsMade },
          'schedule tick failed',
        ),
      );
      await worker.waitUntilReady();
      return new ScheduleService(options, queueName, redis, orchestrator, queue, worker);
    } catch (error) {
      await orchestrator?.close();
      await closeRedis(redis);
      throw error;
    }
  }

  /**
   * Leader only: makes BullMQ's job schedulers match the config's enabled schedules. Upserts
   * what is new or changed (in place: the pending tick is replaced, never removed first),
   * removes what is gone, leaves unchanged schedules alone. Logs each change it applied, with
   * the next fire time BullMQ computed (the one place that does: the config watcher only logs
   * edits, and a reconcile on taking the lead applies changes no edit announced). Returns the
   * changes.
   */
  reconcile(pipeline: LoadedPipeline): Promise<ScheduleChange[]> {
    const next = this.reconciling.then(
      () => this.apply(pipeline),
      () => this.apply(pipeline),
    );
    this.reconciling = next;
    return next;
  }

  private async apply(pipeline: LoadedPipeline): Promise<ScheduleChange[]> {
    const stored = (await this.queue.getJobSchedulers(0, -1, true)).map((s) => ({
      name: s.key,
      pattern: s.pattern,
      tz: s.tz,
      data: s.template?.data,
    }));
    const plan = planReconcile(pipeline.schedules, stored);
    const changeOf = new Map(plan.changes.map((c) => [c.name, c]));
    for (const schedule of plan.upserts) {
      const first = await this.queue.upsertJobScheduler(
        schedule.name,
        { pattern: schedule.cron, tz: schedule.timezone },
        { name: schedule.name, data: tickDataOf(schedule), opts: TICK_JOB_OPTIONS },
      );
      // BullMQ returns no job when its parser finds no next time: the schedule would never fire.
      if (!first)
        throw new Error(
          `schedule ${schedule.name}: BullMQ found no next fire time for cron '${schedule.cron}' (${schedule.timezone})`,
        );
      const next = (await this.queue.getJobScheduler(schedule.name))?.next ?? undefined;
      this.logChange(changeOf.get(schedule.name), next);
    }
    for (const name of plan.removals) {
      await this.queue.removeJobScheduler(name);
      this.logChange(changeOf.get(name), undefined);
    }
    return plan.changes;
  }

  private logChange(change: ScheduleChange | undefined, next: number | undefined): void {
    if (!change) return;
    const when = next === undefined ? '' : ` (next ${new Date(next).toISOString()})`;
    this.options.logger.info(
      { schedule: change.name, change: change.kind, next },
      `${change.description}${when}`,
    );
  }

  /** Each job scheduler's next tick, read from BullMQ (what will fire, not what the file says). */
  async nextFireTimes(): Promise<NextFireTime[]> {
    const schedulers = await this.queue.getJobSchedulers(0, -1, true);
    return schedulers.map((s) => ({
      name: s.key,
      next: s.next ?? undefined,
      cron: s.pattern ?? '',
      timezone: s.tz ?? 'UTC',
    }));
  }

  /**
   * Stops taking ticks, lets running ones finish, disconnects. Every step runs even if one
   * fails; a second call returns the first one's promise.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const steps = [
        () => this.worker.close(),
        () => closeQueue(this.queue),
        () => this.orchestrator.close(),
        () => closeRedis(this.redis),
      ];
      for (const step of steps) {
        await step().catch((error: unknown) =>
          this.options.logger.warn(
            { err: errorMessage(error) },
            'schedule service close step failed',
          ),
        );
      }
    })();
    return this.closing;
  }
}

/** Tick jobs: a few retries (RedisClient or Kafka briefly away), bounded history. */
const TICK_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: 1_000 },
};
