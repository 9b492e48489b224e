import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, type RedisClient } from '../../src/redis/connection.ts';
import { LeaderLease, RedisLease, leaseKeys } from '../../src/redis/lease.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import type { RedisTarget } from '../helpers/redis-target.ts';

/** The suite, against single Redis (integration) or a Redis Cluster (topologies). */
export function describeRedisLease(target: RedisTarget): void {
  describe(`leader election on the fenced Redis lease (${target.name})`, () => {
    let redis: RedisClient;
    let prefix: string;

    beforeEach(async () => {
      redis = await connectRedis(target.url());
      prefix = `{test-lease-${randomUUID()}}:`;
    });

    afterEach(async () => {
      await deleteKeys(redis, prefix);
      await closeRedis(redis);
    });

    const leaderOf = (holder: string, ttlMs: number): LeaderLease =>
      new LeaderLease(new RedisLease(redis, leaseKeys(`${prefix}leader`), ttlMs), holder);

    it('lets one process lead, renews it, and hands over at once on release', async () => {
      const a = leaderOf('a', 60_000);
      const b = leaderOf('b', 60_000);
      expect(await a.hold()).toBe(true);
      expect(await b.hold()).toBe(false);
      expect(await a.hold()).toBe(true);
      expect(await redis.get(`${prefix}leader`)).toBe(a.token);

      await a.release();
      expect(await b.hold()).toBe(true);
      expect(await a.hold()).toBe(false);
      expect(a.token).toBeUndefined();
    });

    it('hands over after expiry when the leader stops renewing, with fenced intervals that never overlap', async () => {
      const lease = new RedisLease(redis, leaseKeys(`${prefix}leader`), 300);
      const a = new LeaderLease(lease, 'a');
      const b = new LeaderLease(lease, 'b');
      expect(await a.hold()).toBe(true);
      // a stops renewing (a killed or paused process); b keeps trying until the lease expires.
      await waitFor('b to take over', () => b.hold(), 10_000, 50);
      expect(await a.hold()).toBe(false);

      const intervals = await lease.intervals();
      expect(intervals.map((i) => i.fence)).toEqual([1, 2]);
      const [first, second] = intervals;
      expect(first!.released).toBe(false);
      expect(second!.start).toBeGreaterThanOrEqual(first!.end);
    });
  });
}
