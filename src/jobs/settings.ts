import { z } from 'zod';
import { isClusterUrl } from '../redis/url.ts';
import { UsageError } from '../shared/errors.ts';

/**
 * The default prefixes carry the hash tag `{strata}`: on a Redis Cluster every key of the
 * pipeline (run state, leases, the event stream, BullMQ's queues) then hashes to one slot, which
 * the run scripts need (they change a run, an asset's summary and its lease in one atomic step:
 * that is the fencing). On a single Redis the braces are just characters.
 */
export const DEFAULT_KEY_PREFIX = '{strata}:';
export const DEFAULT_QUEUE_PREFIX = '{strata}';
/** The prefixes of versions before the hash tag, whose keys a newer version no longer sees. */
export const LEGACY_KEY_PREFIX = 'strata:';
export const LEGACY_QUEUE_PREFIX = 'bull';

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
    .default(DEFAULT_KEY_PREFIX),
  STRATA_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]+$/, 'must be letters, digits, _ - { } (no colon)')
    .default(DEFAULT_QUEUE_PREFIX),
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
  if (isClusterUrl(env.REDIS_URL ?? ''))
    checkClusterPrefixes(e.STRATA_KEY_PREFIX, e.STRATA_QUEUE_PREFIX);
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

/**
 * The hash tag of a key prefix: what Redis Cluster hashes instead of the whole key (the text
 * between the first `{` and the next `}`, when not empty). Undefined without one.
 */
export function hashTag(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open < 0) return undefined;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/**
 * On a Redis Cluster both prefixes must carry one and the same hash tag: otherwise a run
 * script's keys span slots and the cluster refuses it (CROSSSLOT), at the first run rather
 * than at start.
 */
export function checkClusterPrefixes(keyPrefix: string, queuePrefix: string): void {
  const tag = hashTag(keyPrefix);
  if (tag === undefined || hashTag(queuePrefix) !== tag) {
    throw new UsageError(
      `REDIS_URL names a Redis Cluster, so STRATA_KEY_PREFIX and STRATA_QUEUE_PREFIX must carry ` +
        `the same hash tag, e.g. ${DEFAULT_KEY_PREFIX} and ${DEFAULT_QUEUE_PREFIX} (the defaults); ` +
        `got ${JSON.stringify(keyPrefix)} and ${JSON.stringify(queuePrefix)}`,
    );
  }
}
