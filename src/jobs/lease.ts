import { randomBytes } from 'node:crypto';
import type { RedisKeys } from './keys.ts';
import { LuaScript, type Redis } from './redis.ts';

/**
 * Asset leases: the same asset never materializes twice at once, across all workers. A lease is
 * a key set with NX and an expiry, holding a random token; each grant increments a fencing
 * counter, and every run-state write checks the token (../lua/run-scripts.ts), so a worker that
 * stalled past its lease cannot record a result. A dead worker's lease simply expires.
 *
 * Every grant is logged as an interval (fence -> token, start, expiry, release time) taken from
 * Redis's own clock: start and expiry are exactly the expiry Redis enforces (PEXPIRETIME), so
 * tests can prove from the log that no two intervals of an asset overlap.
 */

/** Intervals kept per asset; older ones are trimmed so the log cannot grow without bound. */
const LOG_RETAIN = 1_000;

const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS: lease, fence, log. ARGV: token, ttlMs, logRetain. Returns {fence, start} or nil. */
const acquireScript = new LuaScript(
  'leaseAcquire',
  `if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local fence = redis.call('INCR', KEYS[2])
local expires = redis.call('PEXPIRETIME', KEYS[1])
local start = expires - tonumber(ARGV[2])
redis.call('HSET', KEYS[3], fence, ARGV[1] .. ' ' .. start .. ' ' .. expires .. ' -')
local old = fence - tonumber(ARGV[3])
if old > 0 then redis.call('HDEL', KEYS[3], old) end
return { fence, start }`,
);

/** KEYS: lease, log. ARGV: token, ttlMs, fence. Extends a lease still held by token. */
const renewScript = new LuaScript(
  'leaseRenew',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local expires = redis.call('PEXPIRETIME', KEYS[1])
local entry = redis.call('HGET', KEYS[2], ARGV[3])
if entry then
  local token, start = string.match(entry, '^(%S+) (%S+)')
  redis.call('HSET', KEYS[2], ARGV[3], token .. ' ' .. start .. ' ' .. expires .. ' -')
end
return 1`,
);

/** KEYS: lease, log. ARGV: token, fence. Compare-and-delete; records the release time. */
const releaseScript = new LuaScript(
  'leaseRelease',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
${NOW_MS}
local entry = redis.call('HGET', KEYS[2], ARGV[2])
if entry then
  local token, start, expires = string.match(entry, '^(%S+) (%S+) (%S+)')
  redis.call('HSET', KEYS[2], ARGV[2], token .. ' ' .. start .. ' ' .. expires .. ' ' .. now)
end
return 1`,
);

export interface Lease {
  asset: string;
  token: string;
  fence: number;
  /** Redis time (ms) when the lease was granted. */
  startedAt: number;
  /** False once the lease has expired or been taken over: stop working. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LeaseInterval {
  fence: number;
  token: string;
  start: number;
  /** Release time, or the expiry Redis enforced when the holder never released it. */
  end: number;
  released: boolean;
}

export class AssetLeases {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly ttlMs: number,
  ) {}

  /** The lease, or undefined while another holder has it. */
  async acquire(asset: string, holder: string): Promise<Lease | undefined> {
    const token = `${holder}/${randomBytes(6).toString('hex')}`;
    const reply = (await acquireScript.run(
      this.redis,
      [this.keys.lease(asset), this.keys.leaseFence(asset), this.keys.leaseLog(asset)],
      [token, this.ttlMs, LOG_RETAIN],
    )) as [number, number] | null;
    if (!reply) return undefined;
    const [fence, startedAt] = reply;
    const keys = [this.keys.lease(asset), this.keys.leaseLog(asset)];
    let released = false;
    return {
      asset,
      token,
      fence,
      startedAt,
      renew: async () => (await renewScript.run(this.redis, keys, [token, this.ttlMs, fence])) === 1,
      release: async () => {
        if (released) return;
        released = true;
        await releaseScript.run(this.redis, keys, [token, fence]);
      },
    };
  }

  /** Lease intervals of an asset in grant order. */
  async intervals(asset: string): Promise<LeaseInterval[]> {
    const log = await this.redis.hgetall(this.keys.leaseLog(asset));
    return Object.entries(log)
      .map(([fence, entry]) => {
        const [token = '', start = '0', expires = '0', end = '-'] = entry.split(' ');
        return {
          fence: Number(fence),
          token,
          start: Number(start),
          end: end === '-' ? Number(expires) : Number(end),
          released: end !== '-',
        };
      })
      .sort((a, b) => a.fence - b.fence);
  }
}
