/**
 * The runtime half of "every Lua script declares its keys" (issue 15): under
 * STRATA_LUA_CHECK_KEYS=1, which the integration and topology suites set (vitest.config.ts),
 * every script runs behind src/redis/check-keys.lua and fails on a key it did not declare.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunScript } from '../../src/jobs/lua/run-scripts.ts';
import { closeRedis, connectRedis, type RedisClient } from '../../src/redis/connection.ts';
import { LuaScript } from '../../src/redis/lua-script.ts';
import { serviceSettings } from '../../src/shared/settings.ts';
import { deleteKeys } from '../helpers/redis.ts';

describe('the Lua key check', () => {
  let redis: RedisClient;
  let prefix: string;

  beforeEach(async () => {
    redis = await connectRedis(serviceSettings().redisUrl);
    prefix = `{test-lua-${randomUUID().slice(0, 8)}}:`;
  });

  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await closeRedis(redis);
  });

  it('is on for the suites that run scripts on real Redis', () => {
    expect(process.env.STRATA_LUA_CHECK_KEYS).toBe('1');
    expect(createRunScript.source).toContain('script touches a key not in KEYS');
  });

  it('lets declared keys through and fails a command on any other key', async () => {
    const body = `redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SET', ARGV[2], 'x')
return 1`;
    const script = new LuaScript('probe', body, { checkKeys: true });
    const declared = [`${prefix}a`, `${prefix}b`];
    await expect(script.run(redis, declared, ['v', `${prefix}undeclared`])).rejects.toThrow(
      `script touches a key not in KEYS: SET ${prefix}undeclared`,
    );
    // The commands before the failing one ran (a script is not rolled back): the check only
    // reports, which is what a test needs.
    expect(await redis.exists(`${prefix}undeclared`)).toBe(0);
    const unchecked = new LuaScript('probe', body, { checkKeys: false });
    expect(await unchecked.run(redis, declared, ['v', `${prefix}undeclared`])).toBe(1);
  });
});
