import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssetGraph } from '../../src/graph/graph.ts';
import { RedisKeys } from '../../src/jobs/keys.ts';
import { AssetLeases, type Lease } from '../../src/jobs/lease.ts';
import { Pools } from '../../src/jobs/pools.ts';
import { AssetQueue } from '../../src/jobs/queue.ts';
import { closeRedis, connectRedis, type RedisClient } from '../../src/redis/connection.ts';
import { RunStore } from '../../src/jobs/run-store.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';
import type { RedisTarget } from '../helpers/redis-target.ts';

function graphOf(deps: Record<string, string[]>): AssetGraph {
  return new AssetGraph(new Map(Object.entries(deps).map(([key, d]) => [key, { key, deps: d }])));
}

/** The suite, against single Redis (integration) or a Redis Cluster (topologies). */
export function describeOrchestratorState(target: RedisTarget): void {
  describe(`run state, leases and pools in Redis (${target.name})`, () => {
    let sandbox: Sandbox;
    let redis: RedisClient;
    let keys: RedisKeys;
    const extra: RedisClient[] = [];

    beforeEach(async () => {
      sandbox = createSandbox({}, target);
      redis = await connectRedis(target.url());
      keys = new RedisKeys(sandbox.settings.keyPrefix);
    });

    afterEach(async () => {
      for (const r of extra.splice(0)) await closeRedis(r);
      await closeRedis(redis);
      await sandbox.cleanup();
    });

    /** Leases for every asset, so fenced transitions can be exercised without a worker. */
    async function leaseAll(assets: string[]): Promise<Map<string, Lease>> {
      const leases = new AssetLeases(redis, keys, 60_000);
      const held = new Map<string, Lease>();
      for (const a of assets) held.set(a, (await leases.acquire(a, 'test'))!);
      return held;
    }

    it('queues a fan-in asset exactly once when its 60 upstream assets finish at the same instant', async () => {
      const roots = Array.from({ length: 60 }, (_, i) => `up${i}`);
      const graph = graphOf({ ...Object.fromEntries(roots.map((r) => [r, []])), sink: roots });
      const store = new RunStore(redis, keys, 10);
      const { runId, roots: queued } = await store.create(
        { selection: '*', trigger: 'manual', assets: graph.order },
        graph,
      );
      expect(queued.sort()).toEqual([...roots].sort());
      const tokens = await leaseAll(roots);

      // One connection per upstream, all finishing concurrently.
      const stores = await Promise.all(
        roots.map(async () => {
          const connection = await connectRedis(target.url());
          extra.push(connection);
          return new RunStore(connection, keys, 10);
        }),
      );
      const results = await Promise.all(
        roots.map((asset, i) =>
          stores[i]!.finish({
            runId,
            asset,
            outcome: 'succeeded',
            lease: tokens.get(asset),
            info: {},
          }),
        ),
      );
      const readies = results.flatMap((r) => (r.kind === 'ok' ? r.ready : []));
      expect(readies).toEqual(['sink']);
      expect(await store.assetState(runId, 'sink')).toBe('queued');

      // A replayed transition (a retried script call) changes nothing and readies nothing.
      const replay = await store.finish({
        runId,
        asset: 'up0',
        outcome: 'succeeded',
        lease: tokens.get('up0'),
        info: {},
      });
      expect(replay).toEqual({ kind: 'stale', state: 'succeeded' });
    });

    it('claims an asset only together with its lease, and refuses a result from a non-holder (fencing)', async () => {
      const graph = graphOf({ a: [] });
      const store = new RunStore(redis, keys, 10);
      const { runId } = await store.create(
        { selection: 'a', trigger: 'manual', assets: ['a'] },
        graph,
      );
      const leases = new AssetLeases(redis, keys, 60_000);

      const other = await leases.acquire('a', 'another-run');
      expect(await store.claim(runId, 'a', {}, 'w1/abc', 60_000)).toEqual({ kind: 'lease_busy' });
      expect(await store.assetState(runId, 'a')).toBe('queued');
      await other!.release();

      const claim = await store.claim(runId, 'a', {}, 'w1/abc', 60_000);
      expect(claim).toMatchObject({ kind: 'running', fence: 2 });
      const stale = await store.finish({
        runId,
        asset: 'a',
        outcome: 'succeeded',
        lease: { token: 'w9/old', fence: 1 },
        info: {},
      });
      expect(stale).toEqual({ kind: 'lease_lost', state: 'running' });
      expect(await store.assetState(runId, 'a')).toBe('running');

      const done = await store.finish({
        runId,
        asset: 'a',
        outcome: 'succeeded',
        lease: { token: 'w1/abc', fence: 2 },
        info: {},
      });
      expect(done).toMatchObject({ kind: 'ok', runStatus: 'succeeded' });
      // The final transition released the lease and closed its interval.
      expect((await leases.intervals('a')).map((i) => i.released)).toEqual([true, true]);
      expect(await store.claim(runId, 'a', {}, 'w2/def', 60_000)).toEqual({
        kind: 'not_startable',
        state: 'succeeded',
      });
      expect(await leases.acquire('a', 'next')).toBeDefined();
    });

    it('keeps retainPerAsset runs per asset when many runs are created at once, deleting the evicted runs', async () => {
      // createRun evicts runs it only finds while running; each round declares the runs the
      // last one named, and concurrent creations race for the same index.
      const graph = graphOf({ a: [], b: ['a'] });
      const stores = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const connection = await connectRedis(target.url());
          extra.push(connection);
          return new RunStore(connection, keys, 3);
        }),
      );
      for (let round = 0; round < 3; round++) {
        const created = await Promise.all(
          stores.map((store) =>
            store.create({ selection: '*', trigger: 'manual', assets: graph.order }, graph),
          ),
        );
        expect(created.every((c) => c.created)).toBe(true);
        // Finished runs are the ones retention may delete.
        for (const { runId } of created) await stores[0]!.cancel(runId);
      }
      const kept = await redis.zrange(keys.assetRuns('a'), 0, -1);
      expect(kept).toHaveLength(3);
      expect(await redis.zrange(keys.assetRuns('b'), 0, -1)).toEqual(kept);
      expect((await redis.zrange(keys.runs(), 0, -1)).sort()).toEqual([...kept].sort());
      const existing = await Promise.all(kept.map((id) => redis.exists(keys.run(id))));
      expect(existing).toEqual([1, 1, 1]);
    });

    it('skips the transitive dependents of a failed asset but not its siblings', async () => {
      const graph = graphOf({ a: [], b: ['a'], c: ['b'], d: [], e: ['a', 'd'] });
      const store = new RunStore(redis, keys, 10);
      const { runId } = await store.create(
        { selection: '*', trigger: 'manual', assets: graph.order },
        graph,
      );
      const tokens = await leaseAll(['a', 'd']);
      const failed = await store.finish({
        runId,
        asset: 'a',
        outcome: 'failed',
        lease: tokens.get('a'),
        info: { error: 'x' },
      });
      expect(failed.kind === 'ok' && failed.skipped.sort()).toEqual(['b', 'c', 'e']);
      const done = await store.finish({
        runId,
        asset: 'd',
        outcome: 'succeeded',
        lease: tokens.get('d'),
        info: {},
      });
      expect(done).toEqual({ kind: 'ok', runStatus: 'failed', ready: [], skipped: [] });
      const run = await store.get(runId);
      expect(run?.status).toBe('failed');
      expect(Object.fromEntries(run!.assetStates.map((s) => [s.key, s.state]))).toEqual({
        a: 'failed',
        d: 'succeeded',
        b: 'skipped',
        e: 'skipped',
        c: 'skipped',
      });
    });

    it('grants a lease to one holder at a time, with increasing fences, until release or expiry', async () => {
      // Leases that must not expire during the test are long; the one that must expire is short,
      // and the test waits for Redis to expire it instead of sleeping past its TTL.
      const leases = new AssetLeases(redis, keys, 30_000);
      const shortLived = new AssetLeases(redis, keys, 1_000);
      const first = await leases.acquire('asset', 'w1');
      expect(first).toBeDefined();
      expect(await leases.acquire('asset', 'w2')).toBeUndefined();
      expect(await first!.renew()).toBe(true);

      await first!.release();
      const second = await shortLived.acquire('asset', 'w2');
      expect(second!.fence).toBe(first!.fence + 1);

      // w2 dies without releasing: its lease expires by itself, and a late release by the dead
      // holder must not delete the next holder's lease.
      await waitFor(
        'the lease of w2 expired in Redis',
        async () => (await redis.exists(keys.lease('asset'))) === 0,
        30_000,
        50,
      );
      expect(await second!.renew()).toBe(false);
      const third = await leases.acquire('asset', 'w3');
      expect(third).toBeDefined();
      await second!.release();
      expect(await leases.acquire('asset', 'w4')).toBeUndefined();

      const intervals = await leases.intervals('asset');
      expect(intervals.map((i) => [i.fence, i.released])).toEqual([
        [1, true],
        [2, false],
        [3, false],
      ]);
      for (let i = 1; i < intervals.length; i++) {
        expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
      }
      expect(intervals[1]!.end - intervals[1]!.start).toBe(1_000);
    });

    it('caps a pool across holders, all-or-nothing over several pools, and frees a dead holder at expiry', async () => {
      // As with leases: long slots, except the one whose expiry the test waits for in Redis.
      const pools = new Pools(redis, keys, 30_000);
      const shortLived = new Pools(redis, keys, 1_000);
      const limits = new Map([['dbt', 2]]);
      const a = await pools.acquire(limits, 'a');
      const b = await shortLived.acquire(limits, 'b');
      expect(a && b).toBeDefined();
      expect(await pools.acquire(limits, 'c')).toBeUndefined();

      // 'c' needs dbt and other; dbt is full, so it must not take a slot of other either.
      expect(
        await pools.acquire(
          new Map([
            ['dbt', 2],
            ['other', 1],
          ]),
          'c',
        ),
      ).toBeUndefined();
      expect(await pools.acquire(new Map([['other', 1]]), 'd')).toBeDefined();

      await a!.release();
      expect(await pools.acquire(limits, 'c')).toBeDefined();
      // b stops renewing (its worker died): once Redis's clock passes its expiry, its slot is free.
      await waitFor(
        'the slot of b past its expiry by Redis time',
        async () => {
          const [score, [seconds, micros]] = await Promise.all([
            redis.zscore(keys.pool('dbt'), 'b'),
            redis.time(),
          ]);
          return Number(score) < Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
        },
        30_000,
        50,
      );
      expect(await b!.renew()).toBe(false);
      expect(await pools.acquire(limits, 'e')).toBeDefined();
    });

    it('enqueues an asset of a run once however often it is enqueued (deterministic job ids)', async () => {
      const queue = new AssetQueue(redis, sandbox.settings);
      try {
        const asset = { key: 'a', retries: 0 };
        await queue.enqueue('run-x', [asset]);
        await Promise.all([queue.enqueue('run-x', [asset]), queue.enqueue('run-x', [asset])]);
        await queue.enqueue('run-y', [asset]);
        const counts = await queue.queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'completed',
          'failed',
        );
        expect(counts.waiting).toBe(2);
      } finally {
        await queue.close();
      }
    });
  });
}
