import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Worker, type Queue } from 'bullmq';
import type { LoadedPipeline } from '../config/load.ts';
import { warehouseRowCounter } from '../assets/checks/sql.ts';
import { defaultMaterializers, type MaterializerRegistry } from '../assets/materializers/index.ts';
// The pool and settings only: the runner (and its DuckDB lock) loads with the first dbt job.
import { retainWarmDbt } from '../engines/dbt/warm/pool.ts';
import { dbtSettings } from '../engines/dbt/settings.ts';
import { errorMessage } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { serviceSettings } from '../shared/settings.ts';
import { EventLog } from './event-log.ts';
import { startHeartbeat } from './heartbeat.ts';
import { RedisKeys } from './keys.ts';
import { AssetLeases } from './lease.ts';
import { Pools } from './pools.ts';
import { createProcessor } from './processor.ts';
import type { JobOutcome, ProcessorDeps, WorkerObserver } from './processor-types.ts';
import { AssetQueue, retryDelay, type AssetJobData } from './queue.ts';
import { sweepFailedJobs } from './failed-sweeper.ts';
import { startPeriodic } from './periodic.ts';
import { recoverUnenqueuedRuns } from './run-recovery.ts';
import { warnAboutLegacyState } from './legacy-prefix.ts';
import { closeRedis, connectRedis, type RedisClient } from '../redis/connection.ts';
import { RunStore } from './run-store.ts';
import { orchestratorSettings, type OrchestratorSettings } from './settings.ts';

export interface AssetWorkerOptions {
  pipeline: LoadedPipeline;
  concurrency?: number;
  redisUrl?: string;
  settings?: OrchestratorSettings;
  /** Tests swap materializers to inject failures; production uses the defaults. */
  materializers?: MaterializerRegistry;
  logger?: Logger;
  observer?: WorkerObserver;
}

export type WorkerState = 'initialized' | 'running' | 'stopping' | 'stopped' | 'failed';

/**
 * A Strata worker: a BullMQ worker materializing assets, plus its heartbeat and a sweeper that
 * closes run state for jobs BullMQ fails on its own (stalled too often). Lifecycle:
 * start() -> running; close() -> stop taking jobs, let running ones finish within the grace
 * time, hand the rest back to the queue, disconnect. close() is idempotent.
 */
export class AssetWorker {
  state: WorkerState = 'initialized';
  readonly id: string;
  private readonly settings: OrchestratorSettings;
  private readonly logger: Logger;
  private readonly shutdown = new AbortController();
  /** Shared by BullMQ (which duplicates it for blocking reads) and the run state. */
  private redis: RedisClient | undefined;
  private processorDeps: ProcessorDeps | undefined;
  private worker: Worker<AssetJobData, JobOutcome> | undefined;
  private sweeper: { stop(): Promise<void> } | undefined;
  private queue: AssetQueue | undefined;
  private heartbeat: { stop(): Promise<void> } | undefined;
  private closing: Promise<void> | undefined;
  private releaseWarmDbt: (() => Promise<void>) | undefined;

  constructor(private readonly options: AssetWorkerOptions) {
    // Every running job listens for shutdown: one listener per unit of concurrency.
    setMaxListeners(Math.max(10, (options.concurrency ?? 1) + 5), this.shutdown.signal);
    this.settings = options.settings ?? orchestratorSettings();
    this.logger = options.logger ?? createLogger('worker');
    this.id = `${hostname().replace(/\s+/g, '-')}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  async start(): Promise<void> {
    if (this.state !== 'initialized')
      throw new Error(`worker cannot start from state ${this.state}`);
    try {
      await this.startComponents();
      this.state = 'running';
      this.logger.info(
        {
          worker: this.id,
          concurrency: this.options.concurrency ?? 1,
          queue: this.settings.queueName,
        },
        'worker started',
      );
    } catch (error) {
      this.state = 'failed';
      await this.release();
      throw error;
    }
  }

  /**
   * Takes a reloaded config: jobs that start from now on read asset definitions from it (a job
   * already running finishes with the definition it started with).
   */
  private currentPipeline(): LoadedPipeline {
    return this.processorDeps?.pipeline ?? this.options.pipeline;
  }

  usePipeline(pipeline: LoadedPipeline): void {
    if (this.processorDeps) this.processorDeps.pipeline = pipeline;
  }

  private async startComponents(): Promise<void> {
    const { pipeline } = this.options;
    const usesDbt = [...pipeline.assets.values()].some((asset) => asset.kind === 'dbt');
    if (usesDbt && pipeline.engine.dbt.mode === 'warm') {
      this.releaseWarmDbt = retainWarmDbt(dbtSettings().python);
    }
    const redisUrl = this.options.redisUrl ?? serviceSettings().redisUrl;
    const redis = await connectRedis(redisUrl);
    this.redis = redis;
    await warnAboutLegacyState(redis, this.settings, (message) => this.logger.warn(message));
    const keys = new RedisKeys(this.settings.keyPrefix);
    const runs = new RunStore(redis, keys, pipeline.runs.retainPerAsset);
    const queue = new AssetQueue(redis, this.settings);
    this.queue = queue;
    const enqueue = (runId: string, assets: readonly string[]): Promise<void> =>
      queue.enqueue(
        runId,
        assets.map((k) => this.currentPipeline().assets.get(k) ?? { key: k, retries: 0 }),
      );
    this.processorDeps = {
      pipeline,
      runs,
      events: new EventLog(redis, keys),
      leases: new AssetLeases(redis, keys, this.settings.leaseTtlMs),
      pools: new Pools(redis, keys, this.settings.leaseTtlMs),
      materializers: this.options.materializers ?? defaultMaterializers,
      enqueue,
      countRows: warehouseRowCounter(pipeline),
      workerId: this.id,
      settings: this.settings,
      logger: this.logger,
      shutdown: this.shutdown.signal,
      observer: this.options.observer,
    };
    const processor = createProcessor(this.processorDeps);
    this.worker = new Worker<AssetJobData, JobOutcome>(this.settings.queueName, processor, {
      connection: redis,
      prefix: this.settings.queuePrefix,
      concurrency: this.options.concurrency ?? 1,
      lockDuration: this.settings.lockDurationMs,
      stalledInterval: this.settings.stalledIntervalMs,
      maxStalledCount: this.settings.maxStalledCount,
      settings: {
        backoffStrategy: (attemptsMade, _type, error) =>
          retryDelay(this.settings, attemptsMade, error),
      },
      name: this.id,
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'worker error'));
    this.worker.on('failed', (job, error) =>
      this.logger.warn(
        { jobId: job?.id, asset: job?.data.asset, err: errorMessage(error) },
        'job failed',
      ),
    );
    this.heartbeat = startHeartbeat(redis, keys, this.id);
    this.sweeper = this.startSweeps(redis, keys, runs, queue.queue, enqueue);
    await this.worker.waitUntilReady();
  }

  /**
   * Every stalled interval: close the runs of jobs BullMQ failed on its own (too many stalls),
   * and enqueue again the runs whose creator died before enqueuing them.
   */
  private startSweeps(
    redis: RedisClient,
    keys: RedisKeys,
    runs: RunStore,
    queue: Queue<AssetJobData>,
    enqueue: (runId: string, assets: readonly string[]) => Promise<void>,
  ): { stop(): Promise<void> } {
    const sweep = async (): Promise<void> => {
      await sweepFailedJobs({ queue, redis, keys, runs, workerId: this.id });
      await recoverUnenqueuedRuns({
        redis,
        keys,
        runs,
        enqueue,
        graceMs: this.settings.recoveryGraceMs,
        logger: this.logger,
      });
    };
    return startPeriodic(sweep, Math.max(1_000, this.settings.stalledIntervalMs), (error) =>
      this.logger.warn({ err: error }, 'failed-job sweep or run recovery failed'),
    );
  }

  /** Skips the rest of the grace time: running jobs go back to the queue now. */
  handBackNow(): void {
    if (this.state === 'stopping') this.shutdown.abort();
  }

  /** Graceful stop; safe to call more than once (the same promise is returned). */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    if (this.state === 'running') this.state = 'stopping';
    this.logger.info(
      { worker: this.id, graceMs: this.settings.shutdownGraceMs },
      'worker stopping',
    );
    const grace = setTimeout(() => {
      this.logger.warn({ worker: this.id }, 'grace time over: handing running jobs back');
      this.shutdown.abort();
    }, this.settings.shutdownGraceMs);
    try {
      await this.worker?.close();
    } catch (error) {
      this.logger.error({ err: error }, 'worker close failed');
    } finally {
      clearTimeout(grace);
    }
    await this.release();
    if (this.state !== 'failed') this.state = 'stopped';
    this.logger.info({ worker: this.id }, 'worker stopped');
  }

  /** Runs every cleanup step even if one fails. */
  private async release(): Promise<void> {
    const { heartbeat, sweeper, queue, redis, releaseWarmDbt } = this;
    const steps: [string, (() => Promise<unknown>) | undefined][] = [
      ['warm dbt', releaseWarmDbt],
      ['heartbeat', heartbeat && (() => heartbeat.stop())],
      ['sweeps', sweeper && (() => sweeper.stop())],
      ['queue', queue && (() => queue.close())],
      ['redis', redis && (() => closeRedis(redis))],
    ];
    for (const [name, step] of steps) {
      if (!step) continue;
      try {
        await step();
      } catch (error) {
        this.logger.warn({ err: error }, `closing ${name} failed`);
      }
    }
  }
}
