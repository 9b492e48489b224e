import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const ACQUIRE_OR_RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * One evaluating monitor at a time: the holder of this key evaluates rules and notifies; the
 * others wait and take over when it stops renewing. Alert writes are also checked against the
 * token inside Redis (see AlertStore), so a monitor that paused past its lease cannot notify.
 */
export class Lease {
  readonly token = randomUUID();

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if free, extends it if ours; false when another monitor holds it. */
  async acquire(): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE_OR_RENEW, 1, this.key, this.token, this.ttlMs)) === 1;
  }

  /** Gives the lease up if still ours, so a standby takes over without waiting for expiry. */
  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}
