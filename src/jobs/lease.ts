import { randomBytes } from 'node:crypto';
import type { RedisKeys } from './keys.ts';
import { LuaScript, type Redis } from './redis.ts';

/**
 * Asset leases: the same asset never materializes twice at once, across all workers. A lease is
 * a key set with NX and an expiry, holding a random token; each grant increments a fencing
 * counter, and every run-state write checks the token (lua/run-scripts.ts), so a worker that
 * stalled past its lease cannot record a result. A dead worker's lease simply expires.
 *
 * Every grant is logged as an interval (fence -> token, start, expiry, release time) taken from
 * Redis's own clock: start and expiry are exactly the expiry Redis enforces (PEXPIRETIME), so
 * tests can prove from the log that no two intervals of an asset overlap.
 *
 * Workers take a lease together with the run-state transition to running (one script, one round
 * trip) and give it back with the final transition; LEASE_LUA holds the shared Lua functions.
 */

/** Intervals kept per asset; older ones are trimmed so the log cannot grow without bound. */
export const LEASE_LOG_RETAIN = 1_000;
/** The log is trimmed every this many grants, a batch at a time, rather than on every grant. */
const TRIM_EVERY = 100;

/**
 * Lua functions over the keys of one asset's lease: the lease, its fence counter, its log. The
 * log hash keeps per fence `<fence>` = "token start", `<fence>:x` = expiry (moved by renewals)
 * and `<fence>:e` = release time, so no update needs to read an entry back.
 */
export const LEASE_LUA = `
local function leaseAcquire(lease, fenceKey, log, token, ttl, retain)
  if not redis.call('SET', lease, token, 'NX', 'PX', ttl) then return nil end
  local fence = redis.call('INCR', fenceKey)
  local expires = redis.call('PEXPIRETIME', lease)
  local start = expires - tonumber(ttl)
  redis.call('HSET', log, fence, token .. ' ' .. start, fence .. ':x', expires)
  if fence % ${TRIM_EVERY} == 0 then
    for old = fence - tonumber(retain) - ${TRIM_EVERY} + 1, fence - tonumber(retain) do
      if old > 0 then redis.call('HDEL', log, old, old .. ':x', old .. ':e') end
    end
  end
  return fence, start
end

-- verified: the caller has just checked that token holds the lease.
local function leaseRelease(lease, log, token, fence, verified)
  if not verified and redis.call('GET', lease) ~= token then return 0 end
  redis.call('DEL', lease)
  local t = redis.call('TIME')
  redis.call('HSET', log, fence .. ':e', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
  return 1
end
`;

/** KEYS: lease, fence, log. ARGV: token, ttlMs, logRetain. Returns {fence, start} or nil. */
const acquireScript = new LuaScript(
  'leaseAcquire',
  `${LEASE_LUA}
local fence, start = leaseAcquire(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3])
if not fence then return false end
return { fence, start }`,
);

/** KEYS: lease, log. ARGV: token, ttlMs, fence. Extends a lease still held by token. */
const renewScript = new LuaScript(
  'leaseRenew',
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3] .. ':x', redis.call('PEXPIRETIME', KEYS[1]))
return 1`,
);

/** KEYS: lease, log. ARGV: token, fence. Compare-and-delete; records the release time. */
const releaseScript = new LuaScript(
  'leaseRelease',
  `${LEASE_LUA}
return leaseRelease(KEYS[1], KEYS[2], ARGV[1], ARGV[2], false)`,
);

export interface Lease {
  asset: string;
  token: string;
  fence: number;
  /** Redis time (ms) when the lease was granted. */
  startedAt: number;
  /** False once the lease has expired or been taken over: stop working. */
  renew(): Promise<boolean>;
  /** Compare-and-delete; a no-op when already released. */
  release(): Promise<void>;
  /** Notes that a run-state script released the lease, so release() need not call Redis. */
  markReleased(): void;
}

export interface LeaseInterval {
  fence: number;
  token: string;
  start: number;
  /** Release time, or the expiry Redis enforced when the holder never released it. */
  end: number;
  released: boolean;
}

/** Unique per process; with a counter it makes tokens unique without randomness per call. */
const PROCESS_NONCE = randomBytes(4).toString('hex');
let tokens = 0;

/** A lease token: the holder's id (for the interval log) plus a unique suffix. No spaces. */
export function newLeaseToken(holder: string): string {
  tokens += 1;
  return `${holder.replace(/\s+/g, '-')}/${PROCESS_NONCE}-${tokens.toString(36)}`;
}

export class AssetLeases {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    readonly ttlMs: number,
  ) {}

  /** The lease, or undefined while another holder has it. */
  async acquire(asset: string, holder: string): Promise<Lease | undefined> {
    const token = newLeaseToken(holder);
    const reply = (await acquireScript.run(
      this.redis,
      [this.keys.lease(asset), this.keys.leaseFence(asset), this.keys.leaseLog(asset)],
      [token, this.ttlMs, LEASE_LOG_RETAIN],
    )) as [number, number] | null;
    if (!reply) return undefined;
    return this.held(asset, token, reply[0], reply[1]);
  }

  /** A lease granted by another script (the run-state claim), to renew and release here. */
  held(asset: string, token: string, fence: number, startedAt: number): Lease {
    const keys = [this.keys.lease(asset), this.keys.leaseLog(asset)];
    let released = false;
    return {
      asset,
      token,
      fence,
      startedAt,
      renew: async () =>
        (await renewScript.run(this.redis, keys, [token, this.ttlMs, fence])) === 1,
      release: async () => {
        if (released) return;
        released = true;
        await releaseScript.run(this.redis, keys, [token, fence]);
      },
      markReleased: () => {
        released = true;
      },
    };
  }

  /** Lease intervals of an asset in grant order. */
  async intervals(asset: string): Promise<LeaseInterval[]> {
    const log = await this.redis.hgetall(this.keys.leaseLog(asset));
    return Object.entries(log)
      .filter(([field]) => /^\d+$/.test(field))
      .map(([fence, entry]) => {
        const [token = '', start = '0'] = entry.split(' ');
        const end = log[`${fence}:e`];
        return {
          fence: Number(fence),
          token,
          start: Number(start),
          end: Number(end ?? log[`${fence}:x`]),
          released: end !== undefined,
        };
      })
      .sort((a, b) => a.fence - b.fence);
  }
}
