import { z } from 'zod';
import { UsageError } from '../shared/errors.ts';

/**
 * Orchestrator tuning, from the environment with production defaults. Tests and benchmarks
 * shrink the timings (a SIGKILLed worker's lease then expires in a second, not thirty) and
 * isolate themselves with unique prefixes.
 */
export interface OrchestratorSettings {
  /** Prefix of every Strata key in Redis (run state, event log, leases, pools). */
  keyPrefix: string;
  /** BullMQ's own key prefix; Bull Board must use the same one. */
  queuePrefix: string;
  queueName: string;
  /** How long an asset lease lives without renewal: the time a dead worker blocks its asset. */
  leaseTtlMs: number;
  /** BullMQ job lock; a job whose worker stops renewing it is stalled after this long. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Stalls a job survives before BullMQ fails it (each SIGKILL mid-job is one stall). */
  maxStalledCount: number;
  /** First retry delay of a failed materialization; doubles per attempt, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a stopping worker lets running materializations finish before handing them back. */
  shutdownGraceMs: number;
  /**
   * How long after its creation a run still `queued` is taken for one whose creator died before
   * enqueuing it; workers then enqueue its queued assets again (idempotent).
   */
  recoveryGraceMs: number;
  /** Finished jobs kept in BullMQ (the event log keeps the history). */
  keepCompletedJobs: { count: number };
  keepFailedJobs: { count: number; ageSeconds: number };
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  STRATA_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:{}-]+$/, 'must be letters, digits, _ - : { }')
    .default('strata:'),
  STRATA_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]+$/, 'must be letters, digits, _ - { } (no colon)')
    .default('bull'),
  STRATA_QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('strata-assets'),
  STRATA_LEASE_TTL_MS: positiveInt(30_000),
  STRATA_LOCK_DURATION_MS: positiveInt(30_000),
  STRATA_STALLED_INTERVAL_MS: positiveInt(30_000),
  STRATA_MAX_STALLED_COUNT: positiveInt(2),
  STRATA_RETRY_BASE_MS: positiveInt(1_000),
  STRATA_RETRY_MAX_MS: positiveInt(60_000),
  STRATA_SHUTDOWN_GRACE_MS: positiveInt(30_000),
  STRATA_RUN_RECOVERY_GRACE_MS: positiveInt(30_000),
});

export function orchestratorSettings(env: NodeJS.ProcessEnv = process.env): OrchestratorSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`environment ${String(issue?.path[0])}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  return {
    keyPrefix: e.STRATA_KEY_PREFIX,
    queuePrefix: e.STRATA_QUEUE_PREFIX,
    queueName: e.STRATA_QUEUE_NAME,
    leaseTtlMs: e.STRATA_LEASE_TTL_MS,
    lockDurationMs: e.STRATA_LOCK_DURATION_MS,
    stalledIntervalMs: e.STRATA_STALLED_INTERVAL_MS,
    maxStalledCount: e.STRATA_MAX_STALLED_COUNT,
    retryBaseMs: e.STRATA_RETRY_BASE_MS,
    retryMaxMs: e.STRATA_RETRY_MAX_MS,
    shutdownGraceMs: e.STRATA_SHUTDOWN_GRACE_MS,
    recoveryGraceMs: e.STRATA_RUN_RECOVERY_GRACE_MS,
    keepCompletedJobs: { count: 1_000 },
    keepFailedJobs: { count: 5_000, ageSeconds: 7 * 24 * 3600 },
  };
}
