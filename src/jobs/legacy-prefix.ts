import type { RedisClient } from '../redis/connection.ts';
import {
  DEFAULT_KEY_PREFIX,
  DEFAULT_QUEUE_PREFIX,
  LEGACY_KEY_PREFIX,
  LEGACY_QUEUE_PREFIX,
  type OrchestratorSettings,
} from './settings.ts';

/**
 * Versions before the hash-tagged prefixes kept their state under `strata:` and their queues
 * under `bull`. A newer version on the default prefixes does not see that state: runs in
 * flight there would never finish, and their jobs would wait for workers that no longer read
 * that queue. This finds such state so that `strata worker`, `strata scheduler` and
 * `strata status` can say so; moving is described in docs/deploy.md.
 */
export interface LegacyState {
  runs: number;
  /** Jobs waiting, delayed, prioritized or active in the old queue. */
  jobs: number;
}

/** Where older versions kept their state. */
export const LEGACY_PREFIXES = { keyPrefix: LEGACY_KEY_PREFIX, queuePrefix: LEGACY_QUEUE_PREFIX };

/**
 * State under the old prefixes, or undefined when there is none. Reads a handful of known keys,
 * one command each (on a cluster they live in different slots), never SCAN.
 */
export async function findLegacyState(
  redis: RedisClient,
  queueName: string,
  legacy: { keyPrefix: string; queuePrefix: string } = LEGACY_PREFIXES,
): Promise<LegacyState | undefined> {
  const queue = `${legacy.queuePrefix}:${queueName}`;
  const [runs, meta, wait, active, delayed, prioritized] = await Promise.all([
    redis.zcard(`${legacy.keyPrefix}runs`),
    redis.exists(`${queue}:meta`),
    redis.llen(`${queue}:wait`),
    redis.llen(`${queue}:active`),
    redis.zcard(`${queue}:delayed`),
    redis.zcard(`${queue}:prioritized`),
  ]);
  if (runs === 0 && meta === 0) return undefined;
  return { runs, jobs: wait + active + delayed + prioritized };
}

/** One line for logs and stderr: what was found, why it matters, what to do. */
export function legacyStateMessage(state: LegacyState, queueName: string): string {
  return (
    `Redis holds state of an older Strata under the untagged prefixes "${LEGACY_KEY_PREFIX}" and ` +
    `"${LEGACY_QUEUE_PREFIX}" (${state.runs} runs; ${state.jobs} jobs waiting or active in ` +
    `${LEGACY_QUEUE_PREFIX}:${queueName}) that this version does not see: it uses ` +
    `"${DEFAULT_KEY_PREFIX}" and "${DEFAULT_QUEUE_PREFIX}", hash-tagged for Redis Cluster. ` +
    `Either let the old version's workers drain that queue and then delete the old keys, or keep ` +
    `the old prefixes on a single Redis with STRATA_KEY_PREFIX=${LEGACY_KEY_PREFIX} ` +
    `STRATA_QUEUE_PREFIX=${LEGACY_QUEUE_PREFIX}; see docs/deploy.md, "Moving to tagged prefixes".`
  );
}

/**
 * Warns when old state is there and the prefixes are the defaults (prefixes set explicitly were
 * chosen by the operator); never fails the caller over it.
 */
export async function warnAboutLegacyState(
  redis: RedisClient,
  settings: Pick<OrchestratorSettings, 'keyPrefix' | 'queuePrefix' | 'queueName'>,
  warn: (message: string) => void,
): Promise<void> {
  if (settings.keyPrefix !== DEFAULT_KEY_PREFIX || settings.queuePrefix !== DEFAULT_QUEUE_PREFIX)
    return;
  try {
    const state = await findLegacyState(redis, settings.queueName);
    if (state) warn(legacyStateMessage(state, settings.queueName));
  } catch {
    // A warning about old keys must not stop a worker; the commands it needs fail on their own.
  }
}
