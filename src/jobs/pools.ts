import type { RedisKeys } from './keys.ts';
import type { RedisClient } from '../redis/connection.ts';
import { LuaScript } from '../redis/lua-script.ts';

/**
 * Named concurrency pools shared by all workers: a sorted set per pool of holder tokens scored
 * by expiry. Holders renew while they work; a dead worker's slot frees itself when its score
 * passes. Several pools are taken all-or-nothing in one script, so two jobs each holding one
 * pool and waiting for the other cannot happen.
 */

const acquireScript = LuaScript.fromFiles('poolAcquire', [
  new URL('./pool-acquire.lua', import.meta.url),
]);
const renewScript = LuaScript.fromFiles('poolRenew', [
  new URL('./pool-renew.lua', import.meta.url),
]);

export interface PoolSlots {
  pools: readonly string[];
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export class Pools {
  constructor(
    private readonly redis: RedisClient,
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
