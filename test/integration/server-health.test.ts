import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectKey, utcDay } from '../../src/ingest/layout.ts';
import { HealthHistory, type HealthSample } from '../../src/monitoring/health/history.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../src/monitoring/metrics/snapshot.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import type { PipelineHealth } from '../../src/server/views/health.ts';
import { LocalObjectStore } from '../../src/storage/index.ts';
import { Resources, createTestTopic } from './ingest-support.ts';
import { connectLagAdmin, connectRedis, kafkaClient, quietLogger } from './monitoring-support.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';
import { serveSandbox } from './server-support.ts';

describe('pipeline health: the monitor records samples, /api/health and /health read them (real Redis and Kafka)', () => {
  const redis = connectRedis();
  const kafka = kafkaClient();
  let sandbox: Sandbox;
  let resources: Resources;

  beforeEach(() => {
    sandbox = createSandbox();
    resources = new Resources();
  });

  afterEach(async () => {
    await resources.release();
    await sandbox.cleanup();
  });

  it('charts lag per partition, throughput, alerts firing and storage per day from monitor passes', async () => {
    const { topic, groupId: group, producer, admin } = await createTestTopic(resources, kafka, 2);
    const lake = await mkdtemp(path.join(tmpdir(), 'strata-health-lake-'));
    resources.add(() => rm(lake, { recursive: true, force: true }));
    const store = await LocalObjectStore.open(lake);
    resources.add(() => store.close());
    const today = utcDay(Date.now());
    for (const offset of [0, 10, 20])
      await store.put(objectKey('crypto_data', today, topic, 0, String(offset)), '{"a":1}\n');

    const pipeline = sandbox.pipeline(`version: 1
assets:
  a:
    kind: noop
kafka:
  topic: ${topic}
  partitions: 2
monitoring:
  lag:
    groups: [{ group: ${group}, topic: ${topic} }]
  storage:
    lookbackDays: 2
alerts:
  rules:
    ingest_behind:
      kind: kafka_lag
      maxLag: 10
      severity: error
`);
    const keys = new MonitorKeys(sandbox.settings.keyPrefix);
    const lagAdmin = await connectLagAdmin();
    resources.add(() => lagAdmin.disconnect());
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    // An ingest process publishing its counters, as `strata ingest` does.
    const ingest = new ProcessMetrics({ defaultMetrics: false });
    const ingestSnapshots = new MetricsSnapshotPublisher(redis, keys, ingest.registry, {
      role: 'ingest',
      instance: 'ingest-a',
    });
    resources.add(() => ingestSnapshots.close());
    const monitor = new Monitor({
      pipeline,
      redis,
      keys,
      metrics,
      logger: quietLogger(),
      sinks: [],
      kafkaAdmin: lagAdmin,
      objectStore: store,
    });
    resources.add(() => monitor.close());

    const send = (partition: number, count: number) =>
      producer.send({
        topic,
        messages: Array.from({ length: count }, (_, i) => ({ value: `m${i}`, partition })),
      });

    await send(0, 25);
    await send(1, 5);
    const commit = (offset: string) =>
      admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 1, offset }] });
    await commit('2');
    ingest.ingest().recordsConsumed.inc({ topic }, 100);
    await ingestSnapshots.publish();
    const first = await monitor.runOnce();
    expect(first.leader).toBe(true);
    expect(first.errors).toEqual({});

    await send(0, 40);
    await commit('5');
    ingest.ingest().recordsConsumed.inc({ topic }, 60);
    ingest.ingest().recordsValid.inc({ topic }, 58);
    await ingestSnapshots.publish();
    await store.put(objectKey('crypto_data', today, topic, 1, '0'), '{"b":2}\n');
    const second = await monitor.runOnce();
    expect(second.errors).toEqual({});

    const server = await serveSandbox(sandbox, await sandbox.connect(pipeline), pipeline);
    resources.add(() => server.close());
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as PipelineHealth;

    expect(health.monitorActive).toBe(true);
    expect(health.windowMs).toBe(3_600_000);
    expect(health.t).toHaveLength(2);
    expect(health.lag).toEqual([
      { group, topic, partition: 0, values: [25, 65] },
      { group, topic, partition: 1, values: [3, 0] },
    ]);
    const rate = (label: string) => health.throughput.find((s) => s.label === label)?.values;
    const seconds = health.t[1]! - health.t[0]!;
    expect(rate('ingest consumed')?.[0]).toBeNull();
    // Counter increase over the pass interval: 60 records (the first pass is the baseline).
    expect(rate('ingest consumed')?.[1]).toBeGreaterThan(0);
    expect(rate('ingest landed')?.[1]).toBeGreaterThan(0);
    expect(rate(`produced to ${topic}`)?.[0]).toBeNull();
    expect(rate(`produced to ${topic}`)?.[1]).toBeCloseTo(40 / Math.max(seconds, 1), -2);
    expect(rate(`committed by ${group}`)?.[1]).toBeGreaterThan(0);
    expect(health.firing).toEqual([1, 1]);
    expect(health.alerts.firing.map((a) => a.rule)).toEqual(['ingest_behind']);
    expect(health.alerts.recent.map((e) => e.type)).toEqual(['firing']);
    expect(health.storage?.days.find((d) => d.day === today)?.objects).toBe(4);

    const page = await fetch(`${server.url}/health`);
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const chart of ['lag', 'throughput', 'firing', 'storage'])
      expect(html).toContain(`data-chart="${chart}"`);
    expect(html).toContain('ingest_behind');
    expect(html).toContain('<a href="/health">Health</a>');

    expect((await fetch(`${server.url}/api/health?minutes=1`)).status).toBe(400);
    const short = (await (
      await fetch(`${server.url}/api/health?minutes=5`)
    ).json()) as PipelineHealth;
    expect(short.windowMs).toBe(300_000);
  });

  it('keeps samples bounded by age and count, and lets them expire when the monitor stops', async () => {
    const keys = new MonitorKeys(sandbox.settings.keyPrefix);
    const history = new HealthHistory(redis, keys, 60_000, 3);
    const sample = (at: number): HealthSample => ({ at, partitions: [], ingest: null, firing: 0 });
    const now = Date.now();
    // Older than the retention when the newest arrives: trimmed by age.
    await history.record(sample(now - 120_000));
    for (let i = 4; i >= 0; i--) await history.record(sample(now - i * 1_000));
    const kept = await history.samples(0);
    expect(kept.map((s) => s.at)).toEqual([now - 2_000, now - 1_000, now]);
    expect(await history.samples(now - 1_500)).toHaveLength(2);
    const ttl = await redis.pttl(keys.healthSamples());
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
