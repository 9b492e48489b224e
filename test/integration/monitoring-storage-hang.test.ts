import { afterEach, describe, expect, it } from 'vitest';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { S3ObjectStore } from '../../src/storage/index.ts';
import { runCli } from '../helpers/cli.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  Resources,
  awsEndpoint,
  capturingLogger,
  createTestBucket,
  createTestTopic,
  sendValid,
  tempDir,
  testKafka,
} from './ingest-support.ts';
import {
  connectLagAdmin,
  connectRedis,
  startWebhookReceiver,
  sinksTo,
  testPipeline,
  uniqueName,
} from './monitoring-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

const STEP_TIMEOUT_MS = 2_000;

describe('the monitor while storage hangs', () => {
  it('times the listing out as a storage error, still evaluates lag and alerts on schedule, keeps its lease; `monitor --once` elsewhere prints a read-only look', async () => {
    const redis = connectRedis();
    resources.add(() => Promise.resolve(redis.disconnect()));
    const prefix = `${uniqueName('hang')}:`;
    const keys = new MonitorKeys(prefix);
    resources.add(() => deleteKeys(redis, prefix));

    // A consumer group 60 records behind on a fresh topic, nobody consuming: lag status STOP.
    const t = await createTestTopic(resources, testKafka(), 2);
    await sendValid(t, 0, 60);
    await t.admin.setOffsets({
      groupId: t.groupId,
      topic: t.topic,
      partitions: [0, 1].map((partition) => ({ partition, offset: '0' })),
    });

    const bucket = await createTestBucket(resources);
    const proxy = await TcpProxy.start(awsEndpoint);
    resources.add(() => proxy.close());
    // The store's own deadline is far away: the monitor's step deadline has to end the wait.
    const store = new S3ObjectStore({
      bucket,
      region: 'us-east-1',
      endpoint: proxy.url,
      requestTimeoutMs: 60_000,
      operationTimeoutMs: 60_000,
      attempts: 1,
    });
    resources.add(() => store.close());
    await store.put('crypto_data/year=2026/month=01/day=01/other+0+0.jsonl', '{}\n');

    const lake = await tempDir(resources, 'mon-hang');
    const loaded = testPipeline(
      `kafka:\n  topic: ${t.topic}\n  partitions: 2\ningest:\n  groupId: ${t.groupId}\n` +
        `storage:\n  kind: local\n  path: ${lake}\n` +
        'alerts:\n  rules:\n    consumer_lag_high:\n      kind: kafka_lag\n      maxLag: 10\n      severity: error\n',
    );
    resources.add(loaded.cleanup);
    const webhook = await startWebhookReceiver();
    resources.add(() => webhook.close());
    const lagAdmin = await connectLagAdmin();
    resources.add(() => lagAdmin.disconnect());
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const { logger, lines } = capturingLogger();
    const monitor = new Monitor({
      pipeline: loaded.pipeline,
      redis,
      keys,
      metrics,
      logger,
      sinks: sinksTo(webhook, loaded.pipeline, logger),
      kafkaAdmin: lagAdmin,
      objectStore: store,
      intervalMs: 1_000,
      stepTimeoutMs: STEP_TIMEOUT_MS,
    });
    resources.add(() => monitor.close());

    const before = await monitor.runOnce();
    expect(before).toMatchObject({ leader: true, errors: {} });
    expect(before.storage?.listed).toBeGreaterThan(0);

    proxy.freeze();
    const during = await monitor.runOnce();
    expect(proxy.held).toBeGreaterThan(0); // the listing reached the proxy and got no reply
    expect(during.leader).toBe(true);
    expect(during.storage).toBeUndefined();
    expect(during.errors?.storage).toBe(
      `monitor storage step did not finish within ${STEP_TIMEOUT_MS} ms`,
    );
    expect(during.lag?.[0]).toMatchObject({ group: t.groupId, status: 'STOP', totalLag: 60 });
    expect(during.alerts?.committed).toBe(true);
    expect(webhook.received.map((p) => `${String(p.rule)}:${String(p.status)}`)).toEqual([
      'consumer_lag_high:firing',
    ]);
    expect(lines.filter((l) => l.msg === 'storage error: cannot read storage stats')).toEqual([
      expect.objectContaining({ step: 'storage', timedOut: true, level: 50 }),
    ]);
    const storageErrors = async () =>
      (await metrics.registry.getSingleMetric('strata_monitor_errors_total')!.get()).values.find(
        (v) => v.labels.step === 'storage',
      )?.value;
    expect(await storageErrors()).toBe(1);

    // The next pass does not start a second listing behind the hung one, and keeps evaluating.
    const again = await monitor.runOnce();
    expect(again).toMatchObject({
      leader: true,
      errors: { storage: 'the previous storage listing has not finished yet' },
    });
    expect(again.lag?.[0]?.totalLag).toBe(60);
    expect(await storageErrors()).toBe(2);
    expect(lines.some((l) => l.msg === 'this monitor stops evaluating')).toBe(false);

    // While this monitor leads, `strata monitor --once` elsewhere still shows lag and alerts.
    const once = await runCli(['--config', loaded.file, 'monitor', '--once'], {
      env: { STRATA_KEY_PREFIX: prefix, STRATA_LOG_LEVEL: 'warn' },
    });
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toContain(
      'Another monitor holds the lease and evaluates; this is a read-only look.',
    );
    expect(once.stdout).toContain(`${t.groupId} on ${t.topic}: STOP, lag 60 over 2 partitions`);
    expect(once.stdout).toContain('Alerts (as the leader recorded them): 1 firing, 0 pending');
    expect(once.stdout).toMatch(/firing: ERROR consumer_lag_high: consumer group/);
    expect(webhook.received).toHaveLength(1); // the look notified nobody

    proxy.thaw();
    const after = await waitFor('a pass with storage stats again', async () => {
      const pass = await monitor.runOnce();
      return pass.storage ? pass : undefined;
    });
    expect(after).toMatchObject({ leader: true, errors: {} });
  });
});
