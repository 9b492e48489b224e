import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  clusterUrl,
  resolveStackConfig,
  stackDown,
  stackUp,
  type StackConfig,
} from '../../src/stack/index.ts';
import type { RedisTarget } from '../helpers/redis-target.ts';
import { freeRedisClusterPorts } from '../helpers/ports.ts';

export interface LocalRedisCluster extends RedisTarget {
  /** The stack config that started it (ports, state folder). */
  config(): StackConfig;
}

const progress = (message: string): void => {
  process.stderr.write(`[redis cluster] ${message}\n`);
};

/**
 * A 3-master Redis Cluster started by `stackUp({ services: ['redis'] })` on free ports and a
 * state folder of its own for the calling test file (beforeAll), stopped and removed after it
 * (afterAll). The shared Redis on 6379 is untouched.
 */
export function useLocalRedisCluster(): LocalRedisCluster {
  let config: StackConfig | undefined;
  beforeAll(async () => {
    const nodes = (await freeRedisClusterPorts(3)).map((port) => ({ host: '127.0.0.1', port }));
    const stateDir = await mkdtemp(path.join(tmpdir(), 'strata-test-redis-cluster-'));
    config = resolveStackConfig({
      ...process.env,
      REDIS_URL: clusterUrl(nodes),
      STRATA_STACK_DIR: stateDir,
    });
    await stackUp({ services: ['redis'], config, onProgress: progress });
  }, 120_000);
  afterAll(async () => {
    if (config === undefined) return;
    await stackDown({ services: ['redis'], config, onProgress: progress });
    await rm(config.stateDir, { recursive: true, force: true });
  }, 60_000);
  const started = (): StackConfig => {
    if (config === undefined) throw new Error('the local Redis Cluster did not start');
    return config;
  };
  return {
    name: 'Redis Cluster, 3 masters',
    url: () => started().redisUrl,
    config: started,
  };
}
