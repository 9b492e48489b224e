import type { RedisClient } from '../redis/connection.ts';
import { RedisLease, type Lease, type LeaseInterval } from '../redis/lease.ts';
import type { RedisKeys } from './keys.ts';

export { newLeaseToken, type Lease, type LeaseInterval } from '../redis/lease.ts';

/**
 * Asset leases: the same asset never materializes twice at once, across all workers. Each asset
 * has a fenced lease (src/redis/lease.ts); every run-state write checks its token
 * (lua/run-scripts.ts), so a worker that stalled past its lease cannot record a result, and a
 * dead worker's lease simply expires. Workers take a lease together with the run-state
 * transition to running (one script, one round trip) and give it back with the final one.
 */
export class AssetLeases {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly ttlMs: number,
  ) {}

  private leaseOf(asset: string): RedisLease {
    const keys = this.keys;
    return new RedisLease(
      this.redis,
      { lease: keys.lease(asset), fence: keys.leaseFence(asset), log: keys.leaseLog(asset) },
      this.ttlMs,
    );
  }

  /** The lease, or undefined while another holder has it. */
  acquire(asset: string, holder: string): Promise<Lease | undefined> {
    return this.leaseOf(asset).acquire(holder);
  }

  /** A lease granted by the run-state claim script, to renew and release here. */
  held(asset: string, token: string, fence: number, startedAt: number): Lease {
    return this.leaseOf(asset).held(token, fence, startedAt);
  }

  /** Lease intervals of an asset in grant order. */
  intervals(asset: string): Promise<LeaseInterval[]> {
    return this.leaseOf(asset).intervals();
  }
}
