/**
 * Issue 15: the orchestrator suite (runs, diamonds, exactly-once enqueue, worker SIGKILL, leases,
 * pools) and the scheduler's automation (with the monitor) against a local 3-master Redis
 * Cluster: the same cases `npm test` runs on a single Redis (test/integration/*.cases.ts), with
 * REDIS_URL `redis+cluster://...` for the in-process connections and the spawned workers alike,
 * and every Lua script under the key check.
 */
import { describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/jobs/keys.ts';
import { DEFAULT_KEY_PREFIX, DEFAULT_QUEUE_PREFIX } from '../../src/jobs/settings.ts';
import {
  closeRedis,
  connectRedis,
  isCluster,
  type RedisClient,
} from '../../src/redis/connection.ts';
import { describeOrchestratorProcesses } from '../integration/orchestrator-processes.cases.ts';
import { describeOrchestratorRuns } from '../integration/orchestrator-runs.cases.ts';
import { describeOrchestratorState } from '../integration/orchestrator-state.cases.ts';
import { describeRedisLease } from '../integration/redis-lease.cases.ts';
import { describeSchedulerAutomation } from '../integration/scheduler-automation.cases.ts';
import { describeWorkerSigkill } from '../integration/worker-sigkill.cases.ts';
import { useLocalRedisCluster } from './redis-cluster-support.ts';

const cluster = useLocalRedisCluster();

describe('a redis+cluster:// REDIS_URL', () => {
  it('connects as a cluster, and the default prefixes put Strata and BullMQ keys in one slot', async () => {
    const redis: RedisClient = await connectRedis(cluster.url());
    try {
      expect(isCluster(redis)).toBe(true);
      const keys = new RedisKeys(DEFAULT_KEY_PREFIX);
      const names = [
        keys.run('r1'),
        keys.runs(),
        keys.lease('crypto_raw'),
        keys.assetEvents(),
        `${DEFAULT_QUEUE_PREFIX}:strata-assets:wait`,
        `${DEFAULT_QUEUE_PREFIX}:strata-assets:meta`,
      ];
      const slots = await Promise.all(names.map((name) => redis.cluster('KEYSLOT', name)));
      expect(new Set(slots).size).toBe(1);
    } finally {
      await closeRedis(redis);
    }
  });
});

describeOrchestratorRuns(cluster);
describeOrchestratorState(cluster);
describeOrchestratorProcesses(cluster);
describeWorkerSigkill(cluster);
describeRedisLease(cluster);
describeSchedulerAutomation(cluster);
