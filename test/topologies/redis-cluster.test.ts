/**
 * Issue 15: `strata stack up --redis cluster` starts three Redis masters (Debian's
 * redis-server, `--cluster-enabled yes`) and joins them with `redis-cli --cluster create`, on
 * ports and in a state folder of their own; the shared Redis on 6379 is untouched.
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/jobs/keys.ts';
import { parseClusterUrl } from '../../src/redis/url.ts';
import { stackStatus, stackUp } from '../../src/stack/index.ts';
import { useLocalRedisCluster } from './redis-cluster-support.ts';

const cluster = useLocalRedisCluster();
let client: Cluster | undefined;

beforeAll(async () => {
  client = new Cluster(parseClusterUrl(cluster.url()) ?? [], { lazyConnect: true });
  await client.connect();
});

afterAll(() => {
  client?.disconnect();
});

const progress = (message: string): void => {
  process.stderr.write(`[redis cluster] ${message}\n`);
};

function connected(): Cluster {
  if (client === undefined) throw new Error('no cluster client');
  return client;
}

describe('strata stack up --redis cluster', () => {
  it('runs three masters that serve every slot, reported as ours', async () => {
    const statuses = await stackStatus({ services: ['redis'], config: cluster.config() });
    expect(statuses.map((s) => s.state)).toEqual(['running-ours', 'running-ours', 'running-ours']);
    const info = await connected().cluster('INFO');
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_slots_assigned:16384');
    const nodes = (await connected().cluster('NODES')) as string;
    expect(nodes.split('\n').filter((line) => line.includes('master')).length).toBe(3);
  });

  it('is idempotent: a second up reuses the running cluster', async () => {
    const again = await stackUp({
      services: ['redis'],
      config: cluster.config(),
      onProgress: progress,
    });
    expect(again.started).toEqual([]);
    expect(await connected().cluster('INFO')).toContain('cluster_state:ok');
  });

  it('puts every key of one pipeline in one slot when the prefix is a hash tag', async () => {
    const keys = new RedisKeys('{strata-test}:');
    const names = [
      keys.run('r1'),
      keys.runState('r1'),
      keys.runs(),
      keys.asset('crypto_raw'),
      keys.materializations('crypto_raw'),
      keys.lease('crypto_raw'),
      keys.leaseFence('crypto_raw'),
      keys.pool('dbt'),
      keys.assetEvents(),
    ];
    const slots = await Promise.all(names.map((k) => connected().cluster('KEYSLOT', k)));
    expect(new Set(slots).size).toBe(1);

    // One script over several of them runs on the cluster; untagged keys of two slots do not.
    const script = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])";
    expect(await connected().eval(script, 2, keys.lease('a'), keys.leaseFence('a'), 't')).toBe(1);
    const untagged = new RedisKeys('strata-test:');
    await expect(
      connected().eval(script, 2, untagged.lease('a'), untagged.runs(), 't'),
    ).rejects.toThrow(/CROSSSLOT|slot/i);
  });
});
