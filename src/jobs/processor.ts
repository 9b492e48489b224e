import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { AssetSpec } from '../config/types.ts';
import { usesWarehouse } from '../assets/materializers/index.ts';
import { backoffDelay } from '../shared/backoff.ts';
import type { Logger } from '../shared/logger.ts';
import { newLeaseToken, type Lease } from './lease.ts';
import { materializeHoldingLease } from './materialize-asset.ts';
import { jobDataSchema, type AssetJobData } from './queue.ts';
import type { RunAssetInfo } from './run-model.ts';
import type { JobOutcome, ProcessorDeps } from './processor-types.ts';

/** The pool that stands for DuckDB's single writer: one holder across all workers. */
const WAREHOUSE_POOL = 'warehouse:duckdb';

/**
 * One BullMQ job = one asset of one run. The job takes its pools, then the asset's lease together
 * with the move to running (one script), or goes back to the delayed set (a wait, not a
 * failure); then it materializes while holding them.
 */
export function createProcessor(deps: ProcessorDeps) {
  return async (
    job: Job<AssetJobData>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<JobOutcome> => {
    const data = jobDataSchema.parse(job.data);
    const { runId, asset } = data;
    const spec = deps.pipeline.assets.get(asset);
    if (!spec) return failUnknownAsset(deps, runId, asset);

    const leaseToken = newLeaseToken(deps.workerId);
    const slots = await deps.pools.acquire(poolLimits(deps, spec), leaseToken);
    if (!slots)
      return waitForResources(
        deps,
        job,
        token,
        data.waits,
        `pool ${describePools(deps, spec)} is full`,
      );
    try {
      const info: RunAssetInfo = {
        worker: deps.workerId,
        attempt: job.attemptsMade + 1,
        enqueuedAt: job.timestamp,
        startedAt: Date.now(),
      };
      const claim = await deps.runs.claim(runId, asset, info, leaseToken, deps.leases.ttlMs);
      if (claim.kind === 'lease_busy') {
        return await waitForResources(
          deps,
          job,
          token,
          data.waits,
          'another materialization of the asset holds its lease',
        );
      }
      if (claim.kind === 'not_startable')
        return await notStartable(deps, runId, asset, claim.state);
      const lease = deps.leases.held(asset, leaseToken, claim.fence, claim.leaseStartedAt);
      try {
        return await materializeHoldingLease(deps, {
          job,
          token,
          signal,
          spec,
          lease,
          slots,
          info,
        });
      } finally {
        await releaseQuietly(asset, lease, deps.logger);
      }
    } finally {
      await slots.release();
    }
  };
}

/** A job whose asset already ended in its run: a duplicate delivery, a cancelled run, a re-run. */
async function notStartable(
  deps: ProcessorDeps,
  runId: string,
  asset: string,
  state: string,
): Promise<JobOutcome> {
  // The attempt that succeeded may have died before enqueuing the dependents; enqueue is idempotent.
  if (state === 'succeeded')
    await deps.enqueue(runId, await deps.runs.queuedDependents(runId, asset));
  return { outcome: 'ignored', state };
}

/** The pools an asset's materialization takes: its named pool and, on DuckDB, the writer. */
function poolLimits(
  deps: Pick<ProcessorDeps, 'pipeline' | 'materializers'>,
  spec: AssetSpec,
): Map<string, number> {
  const limits = new Map<string, number>();
  if (spec.pool) limits.set(spec.pool, deps.pipeline.pools.get(spec.pool) ?? 1);
  const sqlChecks = spec.checks.some((c) => c.type === 'sql');
  const warehouse =
    deps.pipeline.engine.kind === 'duckdb' &&
    (sqlChecks || usesWarehouse(deps.materializers, spec, deps.pipeline));
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

async function failUnknownAsset(
  deps: ProcessorDeps,
  runId: string,
  asset: string,
): Promise<JobOutcome> {
  const error = `asset ${asset} is not in this worker's config ${deps.pipeline.file}`;
  const finished = await deps.runs.finish({
    runId,
    asset,
    outcome: 'failed',
    lease: undefined,
    info: { worker: deps.workerId, endedAt: Date.now(), error },
    blockedReason: error,
  });
  if (finished.kind !== 'ok') return { outcome: 'ignored', state: finished.state };
  throw new UnrecoverableError(error);
}

async function releaseQuietly(asset: string, lease: Lease, logger: Logger): Promise<void> {
  try {
    await lease.release();
  } catch (error) {
    // The lease expires by itself; a failed release only delays the next holder.
    logger.warn({ err: error, asset }, 'lease release failed');
  }
}
