import type { RedisKeys } from './keys.ts';
import type { Redis } from '../redis/connection.ts';
import { LuaScript } from '../redis/lua-script.ts';

/**
 * Named concurrency pools shared by all workers: a sorted set per pool of holder tokens scored
 * by expiry. Holders renew while they work; a dead worker's slot frees itself when its score
 * passes. Several pools are taken all-or-nothing in one script, so two jobs each holding one
 * pool and waiting for the other cannot happen.
 */

/** KEYS: pool sets. ARGV: token, ttlMs, then one limit per key. Returns 1 when all were taken. */
const acquireScript = new LuaScript(
  'poolAcquire',
  `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if not redis.call('ZSCORE', key, ARGV[1]) and redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
    return 0
  end
end
for _, key in ipairs(KEYS) do redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1]) end
return 1`,
);

/** KEYS: pool sets. ARGV: token, ttlMs. Returns 0 when a slot was lost (expired, reclaimed). */
const renewScript = new LuaScript(
  'poolRenew',
  `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = 1
for _, key in ipairs(KEYS) do
  local score = redis.call('ZSCORE', key, ARGV[1])
  if score and tonumber(score) > now then
    redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
  else
    held = 0
  end
end
return held`,
);

export interface PoolSlots {
  pools: readonly string[];
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export class Pools {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes one slot in each pool, or none. `limits` maps pool name to capacity. An empty request
   * always succeeds without touching Redis.
   */
  async acquire(
    limits: ReadonlyMap<string, number>,
    token: string,
  ): Promise<PoolSlots | undefined> {
    const pools = [...limits.keys()].sort();
    const keys = pools.map((p) => this.keys.pool(p));
    if (pools.length > 0) {
      const limitArgs = pools.map((p) => limits.get(p) ?? 1);
      const ok = await acquireScript.run(this.redis, keys, [token, this.ttlMs, ...limitArgs]);
      if (ok !== 1) return undefined;
    }
    let released = false;
    return {
      pools,
      renew: async () =>
        pools.length === 0 || (await renewScript.run(this.redis, keys, [token, this.ttlMs])) === 1,
      release: async () => {
        if (released || pools.length === 0) return;
        released = true;
        await Promise.all(keys.map((k) => this.redis.zrem(k, token)));
      },
    };
  }
}
