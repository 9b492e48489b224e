import { randomBytes } from 'node:crypto';
import type { RedisClient } from './connection.ts';
import { TransientError } from '../shared/errors.ts';
import { LuaScript } from './lua-script.ts';

/**
 * Fenced Redis leases: the one primitive behind asset leases (one materialization of an asset at
 * a time), the monitor's evaluator lease and the scheduler's leader lease. A lease is a key set
 * with NX and an expiry holding a random token; each grant increments a fencing counter, and
 * every grant is logged as an interval (fence -> token, start, expiry, release time) taken from
 * Redis's own clock, so tests can prove from the log that no two holders overlapped.
 *
 * The functions live in lease.lua so that scripts which take a lease together with other state
 * (the run-state scripts in src/jobs/lua) use exactly the same code.
 */

/** The function library, for scripts that embed lease operations in their own. */
export const LEASE_LUA_FILE = new URL('./lease.lua', import.meta.url);

const scriptOf = (name: string) =>
  LuaScript.fromFiles(`lease${name}`, [
    LEASE_LUA_FILE,
    new URL(`./lease-${name}.lua`, import.meta.url),
  ]);
const acquireScript = scriptOf('acquire');
const renewScript = scriptOf('renew');
const releaseScript = scriptOf('release');

/** Intervals kept per lease; older ones are trimmed so the log cannot grow without bound. */
export const LEASE_LOG_RETAIN = 1_000;

/** The three keys of one lease. */
export interface LeaseKeys {
  /** string: the holder's token, with the expiry Redis enforces */
  lease: string;
  /** counter: the fence of the latest grant */
  fence: string;
  /** hash: the grant log */
  log: string;
}

/** The conventional keys of a lease named by `base`: `<base>`, `<base>:fence`, `<base>:log`. */
export function leaseKeys(base: string): LeaseKeys {
  return { lease: base, fence: `${base}:fence`, log: `${base}:log` };
}

export interface Lease {
  token: string;
  fence: number;
  /** Redis time (ms) when the lease was granted. */
  startedAt: number;
  /**
   * False once the lease has expired or been taken over: stop working. Throws
   * LeaseRenewalTimeoutError when Redis does not answer within the renewal timeout (a cut
   * network makes commands wait, not fail, on connections that wait out restarts).
   */
  renew(): Promise<boolean>;
  /** Compare-and-delete; a no-op when already released. */
  release(): Promise<void>;
  /** Notes that another script released the lease, so release() need not call Redis. */
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

/** A renewal got no answer in time: the lease is unproven, not known lost. */
export class LeaseRenewalTimeoutError extends TransientError {
  override readonly name = 'LeaseRenewalTimeoutError';
}

/** One named lease in Redis. */
export class RedisLease {
  /** How long one renewal may wait for Redis; by default a third of the TTL (a renewal period). */
  readonly renewTimeoutMs: number;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: LeaseKeys,
    readonly ttlMs: number,
    options: { renewTimeoutMs?: number } = {},
  ) {
    this.renewTimeoutMs = options.renewTimeoutMs ?? Math.max(50, Math.floor(ttlMs / 3));
  }

  /** The lease, or undefined while another holder has it. */
  async acquire(holder: string): Promise<Lease | undefined> {
    const token = newLeaseToken(holder);
    const { lease, fence, log } = this.keys;
    const reply = (await acquireScript.run(
      this.redis,
      [lease, fence, log],
      [token, this.ttlMs, LEASE_LOG_RETAIN],
    )) as [number, number] | null;
    if (!reply) return undefined;
    return this.held(token, reply[0], reply[1]);
  }

  /** A lease granted by another script (the run-state claim), to renew and release here. */
  held(token: string, fence: number, startedAt: number): Lease {
    const keys = [this.keys.lease, this.keys.log];
    let released = false;
    return {
      token,
      fence,
      startedAt,
      renew: async () =>
        (await withTimeout(
          renewScript.run(this.redis, keys, [token, this.ttlMs, fence]),
          this.renewTimeoutMs,
          () =>
            new LeaseRenewalTimeoutError(
              `renewing lease ${this.keys.lease} got no answer within ${this.renewTimeoutMs} ms`,
            ),
        )) === 1,
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

  /** Grant intervals in grant order. */
  async intervals(): Promise<LeaseInterval[]> {
    const log = await this.redis.hgetall(this.keys.log);
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

/**
 * Leader election on a lease: one of any number of processes leads at a time. `hold()` is called
 * on every tick; it renews the lease while this process has it and tries to take it otherwise.
 */
export class LeaderLease {
  private current: Lease | undefined;

  constructor(
    private readonly lease: RedisLease,
    private readonly holder: string,
  ) {}

  get key(): string {
    return this.lease.keys.lease;
  }

  /** The token of the grant this process holds, for scripts that check leadership in Redis. */
  get token(): string | undefined {
    return this.current?.token;
  }

  /** True while this process leads (renewed now, or just taken); false when another does. */
  async hold(): Promise<boolean> {
    if (this.current && (await this.current.renew())) return true;
    this.current = await this.lease.acquire(this.holder);
    return this.current !== undefined;
  }

  /** Gives the lease up if still ours, so a standby takes over without waiting for expiry. */
  async release(): Promise<void> {
    const lease = this.current;
    this.current = undefined;
    await lease?.release();
  }
}

/**
 * `work`, or the error of `onTimeout` after `ms`. The command itself stays queued on its
 * connection; its late answer is ignored.
 */
function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
