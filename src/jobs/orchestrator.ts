import type { LoadedPipeline } from '../config/load.ts';
import { selectAssets } from '../graph/selection.ts';
import { WorkFailedError } from '../shared/errors.ts';
import { serviceSettings } from '../shared/settings.ts';
import { EventLog } from './event-log.ts';
import { liveWorkers } from './heartbeat.ts';
import { RedisKeys } from './keys.ts';
import { AssetLeases } from './lease.ts';
import { AssetQueue, type EnqueuedAsset } from './queue.ts';
import { closeRedis, connectRedis, type RedisClient } from '../redis/connection.ts';
import {
  RUN_ID,
  TERMINAL_RUN_STATUSES,
  type RunEvent,
  type RunMeta,
  type RunRecord,
} from './run-model.ts';
import { RunStore } from './run-store.ts';
import { orchestratorSettings, type OrchestratorSettings } from './settings.ts';

export interface SubmitRun {
  selection: string;
  trigger?: RunMeta['trigger'];
  reason?: string;
  /** A deterministic id (RunStore's runIdFor): submitting it again starts no second run. */
  runId?: string;
  /** The config to select from when it changed since connect (a hot reload). */
  pipeline?: LoadedPipeline;
  /** dbt vars and --full-refresh for this run's dbt assets. */
  dbt?: RunMeta['dbt'];
}

export interface WaitOptions {
  onEvent?: (event: RunEvent) => void;
  /** Give up when the run has not started and no worker has a heartbeat for this long. */
  noWorkerTimeoutMs?: number;
  signal?: AbortSignal;
}

export class NoWorkerError extends WorkFailedError {
  override readonly name = 'NoWorkerError';
}

/**
 * The producer side of runs, for the CLI, the scheduler and the server: submit a run, follow it,
 * read runs and the event log. Workers live in worker.ts.
 */
export class Orchestrator {
  readonly keys: RedisKeys;
  readonly runs: RunStore;
  readonly events: EventLog;
  readonly leases: AssetLeases;
  readonly queue: AssetQueue;
  private closing: Promise<void> | undefined;

  private constructor(
    private currentPipeline: LoadedPipeline,
    readonly redis: RedisClient,
    readonly settings: OrchestratorSettings,
    private readonly redisUrl: string,
  ) {
    this.keys = new RedisKeys(settings.keyPrefix);
    this.runs = new RunStore(redis, this.keys, currentPipeline.runs.retainPerAsset);
    this.events = new EventLog(redis, this.keys);
    this.leases = new AssetLeases(redis, this.keys, settings.leaseTtlMs);
    this.queue = new AssetQueue(redis, settings);
  }

  get pipeline(): LoadedPipeline {
    return this.currentPipeline;
  }

  /** Takes a reloaded config: later submissions select from its graph. */
  usePipeline(pipeline: LoadedPipeline): void {
    this.currentPipeline = pipeline;
  }

  static async connect(
    pipeline: LoadedPipeline,
    options: { redisUrl?: string; settings?: OrchestratorSettings } = {},
  ): Promise<Orchestrator> {
    const redisUrl = options.redisUrl ?? serviceSettings().redisUrl;
    // Settings first: a bad prefix is a usage error, and a connection opened before it would
    // keep the process alive after the message.
    const settings = options.settings ?? orchestratorSettings();
    const redis = await connectRedis(redisUrl);
    return new Orchestrator(pipeline, redis, settings, redisUrl);
  }

  /**
   * Creates a run of the selection and enqueues its root assets. With a `runId` that exists
   * already, `created` is false and only its still-queued assets are enqueued again (job ids are
   * deterministic, so that adds nothing that is there).
   */
  async submit(run: SubmitRun): Promise<{ runId: string; assets: string[]; created: boolean }> {
    const pipeline = run.pipeline ?? this.pipeline;
    const assets = selectAssets(run.selection, pipeline.graph, pipeline.assets);
    const { runId, roots, created } = await this.runs.create(
      {
        selection: run.selection,
        trigger: run.trigger ?? 'manual',
        reason: run.reason,
        assets,
        id: run.runId,
        dbt: run.dbt,
      },
      pipeline.graph,
    );
    await this.queue.enqueue(
      runId,
      roots.map((k) => specOf(pipeline, k)),
    );
    return { runId, assets, created };
  }

  /**
   * Cancels a run: assets not started are cancelled now; running ones are aborted by their
   * workers within about a second (they poll the flag) and end cancelled. Returns the run as it
   * is right after the request, or undefined when there is no such run.
   */
  async cancel(runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID.test(runId) || (await this.runs.cancel(runId)) === 'missing') return undefined;
    return this.runs.get(runId);
  }

  /** Follows a run's events until it ends; returns the finished run. */
  async waitForRun(runId: string, options: WaitOptions = {}): Promise<RunRecord> {
    // XREAD BLOCK holds its connection: use a dedicated one so other commands keep flowing.
    const reader = await connectRedis(this.redisUrl);
    try {
      return await this.follow(runId, reader, options);
    } finally {
      await closeRedis(reader);
    }
  }

  private async follow(
    runId: string,
    reader: RedisClient,
    options: WaitOptions,
  ): Promise<RunRecord> {
    let cursor = '0';
    let lastWorkerSeen = Date.now();
    const deliver = (events: RunEvent[]): void => {
      for (const event of events) {
        cursor = event.id;
        options.onEvent?.(event);
      }
    };
    for (;;) {
      options.signal?.throwIfAborted();
      deliver(await this.runs.events(runId, cursor, { blockMs: 1_000, redis: reader }));
      const run = await this.runs.get(runId);
      if (!run)
        throw new WorkFailedError(`run ${runId} does not exist (or was trimmed by retention)`);
      if (TERMINAL_RUN_STATUSES.has(run.status)) {
        // The final events were written with the status: drain them without blocking.
        for (let batch = await this.runs.events(runId, cursor); batch.length > 0;) {
          deliver(batch);
          batch = await this.runs.events(runId, cursor);
        }
        return run;
      }
      if (run.status !== 'queued' || (await liveWorkers(this.redis, this.keys)).length > 0) {
        lastWorkerSeen = Date.now();
      } else if (
        options.noWorkerTimeoutMs !== undefined &&
        Date.now() - lastWorkerSeen > options.noWorkerTimeoutMs
      ) {
        throw new NoWorkerError(
          `no worker is running: run ${runId} is still queued after ${Math.round(options.noWorkerTimeoutMs / 1000)} s. ` +
            'Start one with `strata worker`, or use `strata materialize --inline`.',
        );
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.close().catch(() => undefined);
      await closeRedis(this.redis);
    })();
    return this.closing;
  }
}

/** Enqueue options for an asset; an asset unknown here still gets a job, which fails it clearly. */
function specOf(pipeline: LoadedPipeline, key: string): EnqueuedAsset {
  return pipeline.assets.get(key) ?? { key, retries: 0 };
}
