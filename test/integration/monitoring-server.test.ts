import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../src/monitoring/metrics/snapshot.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { assertSafeBinding, type RunningServer } from '../../src/server/server.ts';
import { UsageError } from '../../src/shared/errors.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { Resources, createTestTopic } from './ingest-support.ts';
import {
  connectLagAdmin,
  connectRedis,
  kafkaClient,
  parsePrometheusText,
  quietLogger,
  serveInProcess,
  testPipeline,
  uniqueName,
} from './monitoring-support.ts';

describe('the HTTP server: /metrics, /healthz, /api/lag, /api/alerts', () => {
  const redis = connectRedis();
  const kafka = kafkaClient();
  let prefix: string;
  let keys: MonitorKeys;
  let resources: Resources;

  beforeEach(() => {
    resources = new Resources();
    prefix = `${uniqueName('prefix')}:`;
    keys = new MonitorKeys(prefix);
    resources.add(() => deleteKeys(redis, prefix));
  });

  afterEach(async () => {
    await resources.release();
  });

  async function serve(apiToken?: string): Promise<RunningServer> {
    const server = await serveInProcess(redis, prefix, apiToken);
    resources.add(() => server.close());
    return server;
  }

  /** A real topic with 25 unread messages for a group, and a monitor pass that measured it. */
  async function lagOnARealTopic() {
    const { topic, groupId: group, producer } = await createTestTopic(resources, kafka, 1);
    await producer.send({
      topic,
      messages: Array.from({ length: 25 }, (_, i) => ({ value: `m${i}` })),
    });
    const lagAdmin = await connectLagAdmin();
    resources.add(() => lagAdmin.disconnect());
    const monitorMetrics = new ProcessMetrics({ defaultMetrics: false });
    const monitorSnapshots = new MetricsSnapshotPublisher(redis, keys, monitorMetrics.registry, {
      role: 'monitor',
    });
    resources.add(() => monitorSnapshots.close());
    const { pipeline, cleanup } = testPipeline(
      `monitoring:\n  lag:\n    groups: [{ group: ${group}, topic: ${topic} }]\n  storage:\n    enabled: false\n`,
    );
    resources.add(cleanup);
    const monitor = new Monitor({
      pipeline,
      redis,
      keys,
      metrics: monitorMetrics,
      logger: quietLogger(),
      sinks: [],
      kafkaAdmin: lagAdmin,
      publishOwnMetrics: () => monitorSnapshots.publish(),
    });
    resources.add(() => monitor.close());
    // A topic created moments ago can be unknown to the admin's metadata for a pass or two.
    await waitFor('a monitor pass that measured the lag', async () => {
      const pass = await monitor.runOnce();
      return pass.lag?.some((r) => r.group === group && r.error === undefined) ?? false;
    });
    return { topic, group };
  }

  it('serves the deployment-wide metrics as valid Prometheus text, with ingest and lag series', async () => {
    const { topic, group } = await lagOnARealTopic();
    // Two ingest processes publishing their registries, as `strata ingest` replicas do.
    for (const [instance, consumed] of [
      ['ingest-a', 30],
      ['ingest-b', 12],
    ] as const) {
      const metrics = new ProcessMetrics();
      metrics.ingest().recordsConsumed.inc({ topic: 'prices' }, consumed);
      metrics.ingest().uploadDuration.observe({ topic: 'prices' }, 0.3);
      const publisher = new MetricsSnapshotPublisher(redis, keys, metrics.registry, {
        role: 'ingest',
        instance,
      });
      await publisher.publish();
      resources.add(() => publisher.close());
    }
    const server = await serve();

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheusText(await response.text());
    const value = (name: string, labels: Record<string, string>) =>
      samples.find(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      )?.value;

    expect(types.get('strata_ingest_records_consumed_total')).toBe('counter');
    expect(value('strata_ingest_records_consumed_total', { topic: 'prices' })).toBe(42);
    expect(types.get('strata_ingest_upload_duration_seconds')).toBe('histogram');
    expect(value('strata_ingest_upload_duration_seconds_count', { topic: 'prices' })).toBe(2);
    expect(
      value('strata_ingest_upload_duration_seconds_bucket', { topic: 'prices', le: '0.5' }),
    ).toBe(2);
    expect(types.get('strata_kafka_consumer_lag')).toBe('gauge');
    expect(value('strata_kafka_consumer_group_lag', { group, topic })).toBe(25);
    expect(value('strata_kafka_consumer_lag', { group, topic, partition: '0' })).toBe(25);
    expect(value('strata_kafka_consumer_status', { group, topic, status: 'STOP' })).toBe(1);
    expect(types.has('process_cpu_user_seconds_total')).toBe(true);

    const local = parsePrometheusText(
      await (await fetch(`${server.url}/metrics?scope=process`)).text(),
    );
    expect(local.types.has('strata_ingest_records_consumed_total')).toBe(false);
  });

  it('answers /healthz, /api/lag and /api/alerts as JSON', async () => {
    const { topic, group } = await lagOnARealTopic();
    const server = await serve();
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({
      status: 'ok',
      redis: 'up',
    });
    const lag = (await (await fetch(`${server.url}/api/lag`)).json()) as {
      groups: Array<Record<string, unknown>>;
    };
    expect(lag.groups).toEqual([
      expect.objectContaining({ group, topic, totalLag: 25, status: 'STOP' }),
    ]);
    expect(await (await fetch(`${server.url}/api/alerts`)).json()).toEqual({
      monitorActive: true,
      firing: [],
      pending: [],
      recent: [],
    });
  });

  it('requires the bearer token when one is set, except for /healthz, and refuses to bind off loopback without one', async () => {
    const server = await serve('s3cret-token-0123456789');
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${server.url}/api/alerts`, { headers: { authorization: 'Bearer wrong' } }))
        .status,
    ).toBe(401);
    expect(
      (
        await fetch(`${server.url}/api/alerts`, {
          headers: { authorization: 'Bearer s3cret-token-0123456789' },
        })
      ).status,
    ).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    expect(() => assertSafeBinding('0.0.0.0', undefined)).toThrow(UsageError);
    expect(() => assertSafeBinding('0.0.0.0', 'a-token-of-24-characters')).not.toThrow();
    expect(() => assertSafeBinding('0.0.0.0', 'short-token')).toThrow(/at least 16/);
    expect(() => assertSafeBinding('127.0.0.1', undefined)).not.toThrow();
  });
});
