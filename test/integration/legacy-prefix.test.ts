/**
 * Issue 15: the default prefixes became hash-tagged (`{strata}:`, `{strata}`), so state an older
 * version left under `strata:` and `bull` is invisible to a newer one. `strata` finds it and
 * says what to do. The old prefixes are stood in for by unique ones: the shared Redis may hold
 * real old-version keys.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLegacyState, legacyStateMessage } from '../../src/jobs/legacy-prefix.ts';
import { closeRedis, connectRedis, type RedisClient } from '../../src/redis/connection.ts';
import { serviceSettings } from '../../src/shared/settings.ts';
import { deleteKeys } from '../helpers/redis.ts';

describe('state under the untagged prefixes of older versions', () => {
  let redis: RedisClient;
  let legacy: { keyPrefix: string; queuePrefix: string };

  beforeEach(async () => {
    redis = await connectRedis(serviceSettings().redisUrl);
    const id = randomUUID().slice(0, 8);
    legacy = { keyPrefix: `test-old-${id}:`, queuePrefix: `test-oldq-${id}` };
  });

  afterEach(async () => {
    await deleteKeys(redis, legacy.keyPrefix);
    await deleteKeys(redis, `${legacy.queuePrefix}:`);
    await closeRedis(redis);
  });

  it('finds nothing when there is nothing', async () => {
    expect(await findLegacyState(redis, 'strata-assets', legacy)).toBeUndefined();
  });

  it('counts old runs and jobs still waiting in the old queue, and says what to do', async () => {
    await redis.zadd(`${legacy.keyPrefix}runs`, 1, 'r1', 2, 'r2');
    const queue = new Queue('strata-assets', { connection: redis, prefix: legacy.queuePrefix });
    try {
      await queue.add('a', {}, { jobId: 'r2.a' });
      await queue.add('b', {}, { jobId: 'r2.b', delay: 60_000 });
    } finally {
      await queue.close();
    }
    const state = await findLegacyState(redis, 'strata-assets', legacy);
    expect(state).toEqual({ runs: 2, jobs: 2 });
    const message = legacyStateMessage(state!, 'strata-assets');
    expect(message).toContain('2 runs; 2 jobs waiting or active in bull:strata-assets');
    expect(message).toContain('STRATA_KEY_PREFIX=strata: STRATA_QUEUE_PREFIX=bull');
    expect(message).toContain('docs/deploy.md');
  });
});
