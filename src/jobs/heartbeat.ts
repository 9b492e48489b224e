import type { RedisKeys } from './keys.ts';
import type { RedisClient } from '../redis/connection.ts';

const HEARTBEAT_INTERVAL_MS = 5_000;
/** A worker missing three heartbeats is gone (SIGKILL, network partition). */
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

/**
 * Workers announce themselves in a sorted set scored by expiry, so `materialize --wait` can tell
 * "no worker is running" from "the work is slow" without asking BullMQ for client lists.
 */
export function startHeartbeat(
  redis: RedisClient,
  keys: RedisKeys,
  workerId: string,
): { stop(): Promise<void> } {
  const beat = (): Promise<unknown> =>
    redis.zadd(keys.workers(), Date.now() + HEARTBEAT_TTL_MS, workerId);
  const first = beat().catch(() => undefined);
  const timer = setInterval(() => {
    beat().catch(() => undefined);
  }, HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await first;
      await redis.zrem(keys.workers(), workerId).catch(() => undefined);
    },
  };
}

/** Ids of workers whose heartbeat has not expired; forgets the expired ones. */
export async function liveWorkers(redis: RedisClient, keys: RedisKeys): Promise<string[]> {
  const now = Date.now();
  await redis.zremrangebyscore(keys.workers(), '-inf', now);
  return redis.zrangebyscore(keys.workers(), now, '+inf');
}
