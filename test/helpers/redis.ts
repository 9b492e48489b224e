import { Redis } from 'ioredis';
import { serviceSettings } from '../../src/shared/settings.ts';

/** Deletes every key under the prefix (SCAN, never KEYS: other tests share this Redis). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** The same over a connection of its own, for cleanups that hold none. */
export async function deleteKeysUnder(...prefixes: string[]): Promise<void> {
  const redis = new Redis(serviceSettings().redisUrl, { maxRetriesPerRequest: 3 });
  try {
    for (const prefix of prefixes) await deleteKeys(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
