import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { LoadedPipeline } from '../assets/config/load.ts';
import type { AssetSpec } from '../assets/config/types.ts';
import { usesWarehouse, type MaterializerRegistry } from '../assets/materializers/index.ts';
import { backoffDelay } from '../shared/backoff.ts';
import type { Logger } from '../shared/logger.ts';
import type { EventLog } from './event-log.ts';
import type { AssetLeases, Lease } from './lease.ts';
import { materializeHoldingLease } from './materialize-asset.ts';
import type { Pools } from './pools.ts';
import { jobDataSchema, type AssetJobData } from './queue.ts';
import type { RunStore } from './run-store.ts';
import type { OrchestratorSettings } from './settings.ts';

/** The pool that stands for DuckDB's single writer: one holder across all workers. */
export const WAREHOUSE_POOL = 'warehouse:duckdb';

export interface ProcessorDeps {
  pipeline: LoadedPipeline;
  runs: RunStore;
  events: EventLog;
  leases: AssetLeases;
  pools: Pools;
  materializers: MaterializerRegistry;
  /** Enqueues assets of a run (idempotent per run and asset). */
  enqueue(runId: string, assets: readonly string[]): Promise<void>;
  /** Counts rows of a SQL check on the warehouse; undefined when the engine has none. */
  countRows: ((sql: string) => Promise<number>) | undefined;
  workerId: string;
  settings: OrchestratorSettings;
  logger: Logger;
  /** Aborted when the worker's shutdown grace time is over: hand running jobs back. */
  shutdown: AbortSignal;
}

export type JobOutcome =
  | { outcome: 'succeeded' | 'failed'; runStatus?: string }
  | { outcome: 'ignored'; state: string };

/**
 * One BullMQ job = one asset of one run. The job takes the asset's lease and its pools or goes
 * back to the delayed set (a wait, not a failure), then materializes while holding them.
 */
export function createProcessor(deps: ProcessorDeps) {
  return async (job: Job<AssetJobData>, token?: string, signal?: AbortSignal): Promise<JobOutcome> => {
    const data = jobDataSchema.parse(job.data);
    const { runId, asset } = data;
    const state = await deps.runs.assetState(runId, asset);
    if (state === 'succeeded') {
      // The previous attempt recorded success but may have died before enqueuing dependents.
      await deps.enqueue(runId, await deps.runs.queuedDependents(runId, asset));
      return { outcome: 'ignored', state };
    }
    if (state !== 'queued' && state !== 'running') return { outcome: 'ignored', state: state ?? 'missing' };

    const spec = deps.pipeline.assets.get(asset);
    if (!spec) return failUnknownAsset(deps, runId, asset);

    const lease = await deps.leases.acquire(asset, deps.workerId);
    if (!lease) return waitForResources(deps, job, token, data.waits, 'another materialization of the asset holds its lease');
    try {
      const slots = await deps.pools.acquire(poolLimits(deps, spec), lease.token);
      if (!slots) {
        await lease.release();
        return await waitForResources(deps, job, token, data.waits, `pool ${describePools(deps, spec)} is full`);
      }
      try {
        return await materializeHoldingLease(deps, { job, token, signal, spec, lease, slots });
      } finally {
        await slots.release();
      }
    } finally {
      await releaseQuietly(lease, deps.logger);
    }
  };
}

/** The pools an asset's materialization takes: its named pool and, on DuckDB, the writer. */
export function poolLimits(deps: Pick<ProcessorDeps, 'pipeline' | 'materializers'>, spec: AssetSpec): Map<string, number> {
  const limits = new Map<string, number>();
  if (spec.pool) limits.set(spec.pool, deps.pipeline.pools.get(spec.pool) ?? 1);
  const sqlChecks = spec.checks.some((c) => c.type === 'sql');
  const warehouse = deps.pipeline.engine.kind === 'duckdb' && (sqlChecks || usesWarehouse(deps.materializers, spec, deps.pipeline));
  if (warehouse) limits.set(WAREHOUSE_POOL, 1);
  return limits;
}

function describePools(deps: ProcessorDeps, spec: AssetSpec): string {
  return [...poolLimits(deps, spec).keys()].join(' + ');
}

/**
 * Puts the job back in the delayed set without spending an attempt. The delay grows with each
 * wait up to a second, so a waiting job notices a freed lease quickly without spinning.
 */
async function waitForResources(
  deps: ProcessorDeps,
  job: Job<AssetJobData>,
  token: string | undefined,
  waits: number,
  why: string,
): Promise<never> {
  const delay = backoffDelay(waits + 1, { initialMs: 25, maxMs: 1_000, factor: 2, jitter: 0.5 });
  await job.updateData({ ...job.data, waits: waits + 1 });
  if (waits === 0) {
    await deps.runs.emit(job.data.runId, 'asset_waiting', job.data.asset, { reason: why });
    await job.log(`waiting: ${why}`);
  }
  await job.moveToDelayed(Date.now() + delay, token);
  throw new DelayedError();
}

async function failUnknownAsset(deps: ProcessorDeps, runId: string, asset: string): Promise<never> {
  const error = `asset ${asset} is not in this worker's config ${deps.pipeline.file}`;
  await deps.runs.finish({
    runId,
    asset,
    outcome: 'failed',
    leaseToken: undefined,
    info: { worker: deps.workerId, endedAt: Date.now(), error },
    blockedReason: error,
  });
  throw new UnrecoverableError(error);
}

async function releaseQuietly(lease: Lease, logger: Logger): Promise<void> {
  try {
    await lease.release();
  } catch (error) {
    // The lease expires by itself; a failed release only delays the next holder.
    logger.warn({ err: error, asset: lease.asset }, 'lease release failed');
  }
}
