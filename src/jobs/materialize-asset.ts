import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { evaluateChecks } from '../assets/checks/evaluate.ts';
import { isBlocking, type CheckResult } from '../assets/checks/types.ts';
import type { AssetSpec } from '../config/types.ts';
import { materialize, type MaterializeResult } from '../assets/materializers/index.ts';
import { NonRetriableError, UsageError, WorkFailedError, errorMessage } from '../shared/errors.ts';
import {
  HandBackSignal,
  LeaseLostError,
  MaterializationTimeoutError,
  RunCancelledSignal,
} from './errors.ts';
import { keepAlive } from './keep-alive.ts';
import type { Lease } from './lease.ts';
import type { PoolSlots } from './pools.ts';
import type { JobOutcome, ProcessorDeps } from './processor-types.ts';
import type { AssetJobData } from './queue.ts';
import type { MaterializationRecord, RunAssetInfo, RunStatus } from './run-model.ts';

export interface HeldJob {
  job: Job<AssetJobData>;
  token: string | undefined;
  /** BullMQ's cancellation signal for this job. */
  signal: AbortSignal | undefined;
  spec: AssetSpec;
  lease: Lease;
  slots: PoolSlots;
  /** Who runs the asset and since when, as recorded by the claim. */
  info: RunAssetInfo;
}

/**
 * Materializes an asset while holding its lease and pools (the claim already marked it running):
 * keeps the lease alive, runs the materializer and the YAML checks, and records the outcome
 * fenced by the lease, so a worker that lost its lease meanwhile records nothing.
 */
export async function materializeHoldingLease(
  deps: ProcessorDeps,
  held: HeldJob,
): Promise<JobOutcome> {
  const info: RunAssetInfo = { ...held.info, fence: held.lease.fence };
  const abort = new AbortController();
  const stop = guard(deps, held, abort);
  let materialized: { result: MaterializeResult; checks: CheckResult[] };
  try {
    materialized = await runMaterializer(deps, held, abort.signal);
  } catch (error) {
    const reason: unknown = abort.signal.aborted ? abort.signal.reason : error;
    if (reason instanceof HandBackSignal) return handBack(deps, held);
    if (reason instanceof RunCancelledSignal) return recordCancelled(deps, held, info);
    return recordFailure(deps, held, info, reason);
  } finally {
    stop();
  }
  return recordResult(deps, held, info, materialized.result, materialized.checks);
}

/** How often a running job asks whether its run was cancelled. */
const CANCEL_POLL_MS = 1_000;

/**
 * Aborts the materialization on lease loss, timeout, run cancellation, job cancellation or
 * worker shutdown.
 */
function guard(deps: ProcessorDeps, held: HeldJob, abort: AbortController): () => void {
  const ttlMs = deps.leases.ttlMs;
  const stopKeepAlive = keepAlive(
    async () => (await held.lease.renew()) && (await held.slots.renew()),
    {
      intervalMs: Math.max(50, Math.floor(ttlMs / 3)),
      ttlMs,
      // The claim that granted the lease was sent just after this was taken.
      provenAt: held.info.startedAt,
      onLost: (reason) => {
        // Another worker may hold the lease soon: stop the materializer (a dbt subprocess gets
        // its stop signal) while the lease's remaining time still covers the shutdown.
        deps.logger.warn(
          { asset: held.spec.key, runId: held.job.data.runId, worker: deps.workerId, reason },
          'lease lost: aborting the materialization',
        );
        abort.abort(new LeaseLostError(`lost the lease of ${held.spec.key}: ${reason}`));
      },
    },
  );
  const timer = setTimeout(
    () =>
      abort.abort(
        new MaterializationTimeoutError(
          `${held.spec.key} timed out after ${held.spec.timeoutMs} ms`,
        ),
      ),
    held.spec.timeoutMs,
  );
  timer.unref();
  const stopCancelWatch = watchCancellation(deps, held, abort);
  const handBack = (): void => abort.abort(new HandBackSignal('worker is shutting down'));
  deps.shutdown.addEventListener('abort', handBack);
  held.signal?.addEventListener('abort', handBack);
  if (deps.shutdown.aborted) handBack();
  return () => {
    stopKeepAlive();
    stopCancelWatch();
    clearTimeout(timer);
    deps.shutdown.removeEventListener('abort', handBack);
    held.signal?.removeEventListener('abort', handBack);
  };
}

/**
 * Polls the run's cancel flag (one HGET a second per running job; a missed poll during a Redis
 * blip only delays the abort) and aborts the materializer once it is set.
 */
function watchCancellation(deps: ProcessorDeps, held: HeldJob, abort: AbortController): () => void {
  const runId = held.job.data.runId;
  let polling = false;
  const timer = setInterval(() => {
    if (polling || abort.signal.aborted) return;
    polling = true;
    deps.runs
      .cancelRequested(runId)
      .then((cancelled) => {
        if (cancelled) abort.abort(new RunCancelledSignal(`run ${runId} was cancelled`));
      })
      .catch((error: unknown) =>
        deps.logger.debug({ err: error, runId }, 'polling the cancel flag failed'),
      )
      .finally(() => {
        polling = false;
      });
  }, CANCEL_POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

async function runMaterializer(
  deps: ProcessorDeps,
  held: HeldJob,
  signal: AbortSignal,
): Promise<{ result: MaterializeResult; checks: CheckResult[] }> {
  const { job, spec } = held;
  const log = (message: string): void => {
    deps.logger.info({ asset: spec.key, runId: job.data.runId }, message);
    job.log(message).catch(() => undefined);
  };
  // Who runs which attempt under which fence is in the run's asset_started event; the job log
  // gets what the materializer says (dbt, the lake), so a no-op costs no extra round trip.
  deps.logger.debug(
    { asset: spec.key, runId: job.data.runId, fence: held.lease.fence },
    'materializing',
  );
  const inputDataTimes = await deps.events.dataTimes(deps.pipeline.graph.depsOf(spec.key));
  const result = await materialize(deps.materializers, {
    asset: spec,
    pipeline: deps.pipeline,
    runId: job.data.runId,
    inputDataTimes,
    signal,
    log,
    progress: (detail) => {
      job.updateProgress({ asset: spec.key, ...detail }).catch(() => undefined);
    },
    runOptions: async () => ({ dbt: (await deps.runs.meta(job.data.runId))?.dbt }),
  });
  signal.throwIfAborted();
  const yamlChecks = await evaluateChecks(spec.checks, {
    rowCount: result.rowCount,
    dataTime: result.dataTime,
    freshness: spec.freshness,
    now: Date.now(),
    countRows: deps.countRows,
  });
  signal.throwIfAborted();
  return { result, checks: [...result.checks, ...yamlChecks] };
}

async function recordResult(
  deps: ProcessorDeps,
  held: HeldJob,
  info: RunAssetInfo,
  result: MaterializeResult,
  checks: CheckResult[],
): Promise<JobOutcome> {
  const blocking = checks.filter(isBlocking);
  const error =
    blocking.length > 0 ? `checks failed: ${blocking.map(describeCheck).join('; ')}` : undefined;
  const outcome = error ? 'failed' : 'succeeded';
  const endedAt = Date.now();
  const record = materializationRecord(deps, held, info, endedAt, {
    status: outcome,
    dataTime: result.dataTime,
    metadata: result.metadata,
    checks,
    error,
  });
  const finished = await deps.runs.finish({
    runId: held.job.data.runId,
    asset: held.spec.key,
    outcome,
    lease: held.lease,
    record,
    blockedReason: error,
  });
  held.lease.markReleased();
  if (finished.kind === 'lease_lost') {
    // Not recorded: the asset may be running elsewhere now. Another attempt redoes it.
    throw new LeaseLostError(`lost the lease of ${held.spec.key} before its result was recorded`);
  }
  if (finished.kind === 'stale') return { outcome: 'ignored', state: finished.state };
  await deps.enqueue(held.job.data.runId, finished.ready);
  notifyObserver(deps, record, finished.runStatus);
  // A failed job in BullMQ (and Bull Board) for failed checks; never retried, the data is wrong.
  if (error) throw new UnrecoverableError(`${held.spec.key}: ${error}`);
  return { outcome, runStatus: finished.runStatus };
}

async function recordFailure(
  deps: ProcessorDeps,
  held: HeldJob,
  info: RunAssetInfo,
  reason: unknown,
): Promise<never> {
  const { job, spec } = held;
  const message = errorMessage(reason);
  if (reason instanceof LeaseLostError) {
    // Record nothing: whoever holds the lease now owns the asset. If this job is still ours,
    // BullMQ retries it; if it stalled and went to another worker, that worker finishes it.
    job.log(message).catch(() => undefined);
    throw reason;
  }
  const final = !isRetriable(reason) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (!final) {
    await deps.runs.emit(job.data.runId, 'asset_retrying', spec.key, {
      attempt: job.attemptsMade + 1,
      error: message,
    });
    job
      .log(`attempt ${job.attemptsMade + 1} failed, will retry: ${message}`)
      .catch(() => undefined);
    throw reason instanceof Error ? reason : new Error(message);
  }
  const endedAt = Date.now();
  const record = materializationRecord(deps, held, info, endedAt, {
    status: 'failed',
    dataTime: null,
    metadata: {},
    checks: [],
    error: message,
  });
  const finished = await deps.runs.finish({
    runId: job.data.runId,
    asset: spec.key,
    outcome: 'failed',
    lease: held.lease,
    record,
    blockedReason: message,
  });
  held.lease.markReleased();
  if (finished.kind === 'lease_lost') {
    throw new LeaseLostError(
      `lost the lease of ${spec.key} before its failure was recorded: ${message}`,
    );
  }
  if (finished.kind === 'ok') notifyObserver(deps, record, finished.runStatus);
  job.log(`failed: ${message}`).catch(() => undefined);
  throw new UnrecoverableError(`${spec.key}: ${message}`);
}

/** Metrics and the like; an observer's failure must never fail the materialization it watches. */
function notifyObserver(
  deps: ProcessorDeps,
  record: MaterializationRecord,
  runStatus: RunStatus | undefined,
): void {
  const { observer } = deps;
  if (!observer) return;
  const warn = (error: unknown): void =>
    deps.logger.warn({ err: error, asset: record.asset }, 'worker observer failed');
  try {
    observer.assetFinished?.(record);
  } catch (error) {
    warn(error);
  }
  if (!runStatus || !observer.runFinished) return;
  deps.runs
    .meta(record.runId)
    .then(
      (meta) =>
        meta &&
        observer.runFinished?.({ id: record.runId, trigger: meta.trigger, status: runStatus }),
    )
    .catch(warn);
}

/** The run was cancelled mid-materialization: the asset ends cancelled, its lease released. */
async function recordCancelled(
  deps: ProcessorDeps,
  held: HeldJob,
  info: RunAssetInfo,
): Promise<JobOutcome> {
  const { job, spec } = held;
  deps.logger.warn(
    { asset: spec.key, runId: job.data.runId, worker: deps.workerId },
    'run cancelled: materialization aborted',
  );
  const finished = await deps.runs.finish({
    runId: job.data.runId,
    asset: spec.key,
    outcome: 'cancelled',
    lease: held.lease,
    info: { ...info, endedAt: Date.now(), error: 'run cancelled: materialization aborted' },
  });
  held.lease.markReleased();
  job.log('run cancelled: materialization aborted').catch(() => undefined);
  if (finished.kind === 'ok') return { outcome: 'cancelled', runStatus: finished.runStatus };
  return { outcome: 'ignored', state: finished.state };
}

async function handBack(deps: ProcessorDeps, held: HeldJob): Promise<never> {
  await deps.runs.emit(held.job.data.runId, 'asset_handed_back', held.spec.key, {
    worker: deps.workerId,
  });
  held.job.log(`handed back by ${deps.workerId} (shutting down)`).catch(() => undefined);
  // Lease and pools are released by the caller before another worker can take the job.
  await held.job.moveToDelayed(Date.now() + 100, held.token);
  throw new DelayedError();
}

function materializationRecord(
  deps: ProcessorDeps,
  held: HeldJob,
  info: RunAssetInfo,
  endedAt: number,
  outcome: Pick<MaterializationRecord, 'status' | 'dataTime' | 'metadata' | 'checks' | 'error'>,
): MaterializationRecord {
  return {
    runId: held.job.data.runId,
    asset: held.spec.key,
    attempt: held.job.attemptsMade + 1,
    worker: deps.workerId,
    fence: held.lease.fence,
    enqueuedAt: held.job.timestamp,
    startedAt: info.startedAt ?? endedAt,
    endedAt,
    ...outcome,
  };
}

function describeCheck(check: CheckResult): string {
  return `${check.name}${check.message ? ` (${check.message})` : ''}`;
}

/** Bad data, bad config and failed models stay failed however often they are retried. */
function isRetriable(error: unknown): boolean {
  return !(
    error instanceof WorkFailedError ||
    error instanceof NonRetriableError ||
    error instanceof UsageError
  );
}
