import type { Admin, Consumer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { readMonitoringStatus } from '../../src/monitoring/status.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { Resources, createTestTopic, type TestTopic } from './ingest-support.ts';
import {
  connectLagAdmin,
  connectRedis,
  kafkaClient,
  quietLogger,
  sinksTo,
  startWebhookReceiver,
  testPipeline,
  uniqueName,
  type WebhookReceiver,
} from './monitoring-support.ts';

describe('Kafka lag monitoring against a real broker', () => {
  const kafka = kafkaClient();
  const redis = connectRedis();
  let resources: Resources;
  let kafkaTopic: TestTopic;
  let topic: string;
  let group: string;
  let prefix: string;
  let admin: Admin;
  let consumers: Consumer[];
  let webhook: WebhookReceiver;

  beforeEach(async () => {
    resources = new Resources();
    prefix = `${uniqueName('prefix')}:`;
    resources.add(() => deleteKeys(redis, prefix));
    kafkaTopic = await createTestTopic(resources, kafka, 2);
    ({ topic, groupId: group } = kafkaTopic);
    admin = await connectLagAdmin();
    resources.add(() => admin.disconnect());
    webhook = await startWebhookReceiver();
    resources.add(() => webhook.close());
    consumers = [];
  });

  afterEach(async () => {
    for (const c of consumers) await c.disconnect();
    await resources.release();
  });

  /** Stands in for `strata ingest`: a consumer group that commits what it has read. */
  async function startConsumer(): Promise<Consumer> {
    const consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: () => Promise.resolve() });
    consumers.push(consumer);
    return consumer;
  }

  async function stopConsumer(consumer: Consumer): Promise<void> {
    await consumer.disconnect();
    consumers = consumers.filter((c) => c !== consumer);
  }

  async function produce(count: number): Promise<void> {
    for (let start = 0; start < count; start += 500) {
      const n = Math.min(500, count - start);
      await kafkaTopic.producer.send({
        topic,
        messages: Array.from({ length: n }, (_, i) => ({
          key: String((start + i) % 7),
          value: `m${start + i}`,
        })),
      });
    }
  }

  function monitorFor(rules: string, lag = 'window: 3\n    stopAfter: 60s'): Monitor {
    const { pipeline, cleanup } = testPipeline(
      `monitoring:\n  lag:\n    groups:\n      - { group: ${group}, topic: ${topic} }\n    ${lag}\n  storage:\n    enabled: false\nalerts:\n  rules:\n${rules}`,
    );
    resources.add(cleanup);
    const logger = quietLogger();
    const monitor = new Monitor({
      pipeline,
      redis,
      keys: new MonitorKeys(prefix),
      metrics: new ProcessMetrics({ defaultMetrics: false }),
      logger,
      sinks: sinksTo(webhook, pipeline, logger),
      kafkaAdmin: admin,
      intervalMs: 200,
    });
    resources.add(() => monitor.close());
    return monitor;
  }

  const LAG_RULES =
    '    consumer_lag_high:\n      kind: kafka_lag\n      maxLag: 1000\n      severity: error\n' +
    '    consumer_stalled:\n      kind: kafka_lag\n      statuses: [STALL, STOP]\n      severity: error\n';

  const received = (rule: string) =>
    webhook.received.filter((p) => p.rule === rule).map((p) => p.status);

  it('fires once when ingest stops while producing (lag > 1000, STOP), and resolves once consumption resumes', async () => {
    const monitor = monitorFor(LAG_RULES);
    const consumer = await startConsumer();
    await produce(100);
    await waitFor(
      'the consumer to catch up',
      async () => (await monitor.runOnce()).lag?.[0]?.totalLag === 0,
    );
    expect(webhook.received).toEqual([]);

    await stopConsumer(consumer);
    await produce(1500);
    const stopped = await waitFor('lag above 1000', async () => {
      const report = (await monitor.runOnce()).lag?.[0];
      return report && report.totalLag > 1000 ? report : undefined;
    });
    expect(stopped).toMatchObject({ status: 'STOP', members: 0, totalLag: 1500 });
    expect(received('consumer_lag_high')).toEqual(['firing']);
    expect(received('consumer_stalled')).toEqual(['firing']);

    // Evaluations go on while it fires: no repeats.
    for (let i = 0; i < 4; i++) await monitor.runOnce();
    expect(webhook.received).toHaveLength(2);
    const status = await readMonitoringStatus(redis, prefix);
    expect(status.firing.map((a) => a.rule).sort()).toEqual([
      'consumer_lag_high',
      'consumer_stalled',
    ]);
    expect(status.lag?.[0]).toMatchObject({ group, topic, status: 'STOP', totalLag: 1500 });

    await startConsumer();
    await waitFor('the alerts to resolve', async () => {
      await monitor.runOnce();
      return webhook.received.length === 4;
    });
    expect(received('consumer_lag_high')).toEqual(['firing', 'resolved']);
    expect(received('consumer_stalled')).toEqual(['firing', 'resolved']);

    const firing = webhook.received.find(
      (p) => p.rule === 'consumer_lag_high' && p.status === 'firing',
    );
    expect(firing).toMatchObject({
      severity: 'error',
      labels: { group, topic },
      value: 1500,
      kind: 'kafka_lag',
    });
    expect(String(firing?.text)).toMatch(
      /^:rotating_light: \[FIRING\] consumer_lag_high \(error\) .*lag 1500 \(limit 1000\), status STOP/,
    );
    const after = await readMonitoringStatus(redis, prefix);
    expect(after.firing).toEqual([]);
    expect(after.recent.map((e) => `${e.alert.rule}:${e.type}`).sort()).toEqual([
      'consumer_lag_high:firing',
      'consumer_lag_high:resolved',
      'consumer_stalled:firing',
      'consumer_stalled:resolved',
    ]);
  });

  it('calls a member that stops committing STALL once its window is full', async () => {
    const monitor = monitorFor(LAG_RULES);
    const consumer = await startConsumer();
    await produce(20);
    await waitFor(
      'the consumer to catch up',
      async () => (await monitor.runOnce()).lag?.[0]?.totalLag === 0,
    );

    consumer.pause([{ topic }]);
    await produce(50);
    const statuses: string[] = [];
    const stalled = await waitFor('a STALL status', async () => {
      const report = (await monitor.runOnce()).lag?.[0];
      if (report) statuses.push(report.status);
      return report?.status === 'STALL' ? report : undefined;
    });
    expect(stalled.members).toBe(1);
    expect(stalled.totalLag).toBe(50);
    // The window (3 observations) must fill with lag before a stall is called.
    expect(statuses.filter((s) => s === 'OK').length).toBeGreaterThanOrEqual(2);
    expect(received('consumer_stalled')).toEqual(['firing']);
    expect(received('consumer_lag_high')).toEqual([]);
  });

  it('reports UNKNOWN for a topic that does not exist, without failing the pass', async () => {
    const { pipeline, cleanup } = testPipeline(
      `monitoring:\n  lag:\n    groups:\n      - { group: ${group}, topic: ${topic}-missing }\n  storage:\n    enabled: false\n`,
    );
    resources.add(cleanup);
    const monitor = new Monitor({
      pipeline,
      redis,
      keys: new MonitorKeys(prefix),
      metrics: new ProcessMetrics({ defaultMetrics: false }),
      logger: quietLogger(),
      sinks: [],
      kafkaAdmin: admin,
    });
    resources.add(() => monitor.close());
    const pass = await monitor.runOnce();
    expect(pass.lag?.[0]).toMatchObject({
      status: 'UNKNOWN',
      error: `topic ${topic}-missing does not exist`,
    });
  });
});
