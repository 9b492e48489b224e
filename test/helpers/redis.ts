import {
  closeRedis,
  connectRedis,
  forEachMaster,
  type RedisClient,
} from '../../src/redis/connection.ts';
import { serviceSettings } from '../../src/shared/settings.ts';

/**
 * Deletes every key under the prefix (SCAN, never KEYS: other tests share this Redis). On a
 * cluster SCAN sees one node's keys, so every master is scanned; keys are deleted one by one
 * there, since a page of keys may span slots when the prefix carries no hash tag.
 */
export async function deleteKeys(redis: RedisClient, prefix: string): Promise<void> {
  await forEachMaster(redis, async (node) => {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(
        cursor,
        'MATCH',
        `${escapeGlob(prefix)}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) await Promise.all(keys.map((key) => node.del(key)));
    } while (cursor !== '0');
  });
}

/** The same over a connection of its own, for cleanups that hold none. */
export async function deleteKeysUnder(...prefixes: string[]): Promise<void> {
  await deleteKeysAt(serviceSettings().redisUrl, ...prefixes);
}

/** The same on the Redis (or cluster) at `redisUrl`. */
export async function deleteKeysAt(redisUrl: string, ...prefixes: string[]): Promise<void> {
  const redis = await connectRedis(redisUrl);
  try {
    for (const prefix of prefixes) await deleteKeys(redis, prefix);
  } finally {
    await closeRedis(redis);
  }
}

/** MATCH patterns are globs: a prefix with `[`, `*`, `?` or `\` must match itself only. */
function escapeGlob(text: string): string {
  return text.replace(/[[\]*?\\]/g, '\\$&');
}
