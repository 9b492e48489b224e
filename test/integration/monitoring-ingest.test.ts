import type { Admin } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedPipeline } from '../../src/config/index.ts';
import { IngestService, ingestOptionsFrom } from '../../src/ingest/index.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../src/monitoring/metrics/snapshot.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { LocalObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  Resources,
  createTestTopic,
  priceJson,
  tempDir,
  type TestTopic,
} from './ingest-support.ts';
import {
  connectLagAdmin,
  connectRedis,
  kafkaClient,
  parsePrometheusText,
  quietLogger,
  serveInProcess,
  sinksTo,
  startWebhookReceiver,
  testPipeline,
  uniqueName,
  type WebhookReceiver,
} from './monitoring-support.ts';

/**
 * The whole path with the real sink: `IngestService` lands records in a local lake and
 * publishes its metrics to Redis, the monitor reads lag, storage and those metrics, the server
 * exposes them. Stopping ingest while producing fires the lag alert once; restarting it resolves.
 */
describe('monitoring the real ingest sink', () => {
  const kafka = kafkaClient();
  const redis = connectRedis();
  let resources: Resources;
  let kafkaTopic: TestTopic;
  let topic: string;
  let group: string;
  let prefix: string;
  let keys: MonitorKeys;
  let store: ObjectStore;
  let lagAdmin: Admin;
  let webhook: WebhookReceiver;
  let pipeline: LoadedPipeline;
  let url: string;

  beforeEach(async () => {
    resources = new Resources();
    prefix = `${uniqueName('prefix')}:`;
    keys = new MonitorKeys(prefix);
    resources.add(() => deleteKeys(redis, prefix));
    const lake = await tempDir(resources, 'mon-lake');
    store = await LocalObjectStore.open(lake);
    resources.add(() => store.close());
    kafkaTopic = await createTestTopic(resources, kafka, 2);
    ({ topic, groupId: group } = kafkaTopic);
    lagAdmin = await connectLagAdmin();
    resources.add(() => lagAdmin.disconnect());
    webhook = await startWebhookReceiver();
    resources.add(() => webhook.close());
    const loaded = testPipeline(
      `kafka:\n  topic: ${topic}\n  partitions: 2\ningest:\n  groupId: ${group}\n  batch:\n    maxRecords: 500\n    maxAge: 300ms\nstorage:\n  kind: local\n  path: ${lake}\n` +
        `monitoring:\n  lag:\n    window: 3\nalerts:\n  rules:\n    consumer_lag_high:\n      kind: kafka_lag\n      maxLag: 1000\n      severity: error\n`,
    );
    pipeline = loaded.pipeline;
    resources.add(loaded.cleanup);
    // `strata serve`, in process: its /metrics is how the test reads the deployment's figures.
    const server = await serveInProcess(redis, prefix);
    url = server.url;
    resources.add(() => server.close());
  });

  afterEach(async () => {
    await resources.release();
  });

  /** One `strata ingest` replica, in process: the real sink with its metrics published to Redis. */
  async function startIngest(name: string) {
    const metrics = new ProcessMetrics();
    const publisher = new MetricsSnapshotPublisher(redis, keys, metrics.registry, {
      role: 'ingest',
      instance: name,
      intervalMs: 200,
    });
    publisher.start();
    const service = new IngestService(ingestOptionsFrom(pipeline), {
      kafka,
      store,
      metrics: metrics.ingest(),
      logger: quietLogger(),
    });
    await service.start();
    const stop = async () => {
      await service.close();
      await publisher.close();
    };
    resources.add(stop);
    return { stop };
  }

  async function produce(from: number, count: number): Promise<void> {
    const now = new Date().toISOString();
    for (let start = 0; start < count; start += 500) {
      const messages = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
        key: 'bitcoin',
        value: priceJson(from + start + i, now),
      }));
      await kafkaTopic.producer.send({ topic, acks: -1, messages });
    }
  }

  it('fires the lag alert once when ingest stops under load, resolves when it resumes, and exposes it all', async () => {
    const monitorMetrics = new ProcessMetrics({ defaultMetrics: false });
    const monitorSnapshots = new MetricsSnapshotPublisher(redis, keys, monitorMetrics.registry, {
      role: 'monitor',
    });
    resources.add(() => monitorSnapshots.close());
    const logger = quietLogger();
    const monitor = new Monitor({
      pipeline,
      redis,
      keys,
      metrics: monitorMetrics,
      logger,
      sinks: sinksTo(webhook, pipeline, logger),
      kafkaAdmin: lagAdmin,
      objectStore: store,
      publishOwnMetrics: () => monitorSnapshots.publish(),
    });
    resources.add(() => monitor.close());

    const first = await startIngest('ingest-1');
    await produce(0, 100);
    const caughtUp = await waitFor('ingest to land the first records', async () => {
      const pass = await monitor.runOnce();
      const objects = pass.storage?.days.reduce((n, d) => n + d.objects, 0) ?? 0;
      return pass.lag?.[0]?.totalLag === 0 && objects > 0 ? pass : undefined;
    });
    expect(caughtUp.lag?.[0]).toMatchObject({ status: 'OK', members: 1 });
    // Snapshots are published every 200 ms: wait for one taken after the objects landed.
    const before = await waitFor('the first replica to publish its figures', async () => {
      const metrics = await scrape();
      return metrics('strata_ingest_objects_written_total', { topic }) > 0 ? metrics : undefined;
    });
    expect(before('strata_ingest_records_valid_total', { topic })).toBe(100);
    const objectsByFirst = before('strata_ingest_objects_written_total', { topic });

    await first.stop();
    await produce(100, 1500);
    const stopped = await waitFor('lag above 1000', async () => {
      const report = (await monitor.runOnce()).lag?.[0];
      return report && report.totalLag > 1000 ? report : undefined;
    });
    expect(stopped).toMatchObject({ status: 'STOP', totalLag: 1500, members: 0 });
    await monitor.runOnce();
    await monitor.runOnce();
    expect(webhook.received.map((p) => p.status)).toEqual(['firing']);

    await startIngest('ingest-2');
    await waitFor(
      'the alert to resolve',
      async () => {
        await monitor.runOnce();
        return webhook.received.length === 2;
      },
      60_000,
    );
    expect(webhook.received.map((p) => `${String(p.rule)}:${String(p.status)}`)).toEqual([
      'consumer_lag_high:firing',
      'consumer_lag_high:resolved',
    ]);

    // Everything landed. A stopped process's counters leave the deployment view with it (as a
    // scrape target's would), so the second replica accounts for the last 1500 records.
    // The lag figures come from a monitor pass: wait for one made after the last offsets were
    // committed (the resolving pass may have seen lag anywhere up to the rule's limit).
    const after = await waitFor('the last 1500 records counted as valid, and no lag', async () => {
      await monitor.runOnce();
      const metrics = await scrape();
      return metrics('strata_ingest_records_valid_total', { topic }) === 1500 &&
        metrics('strata_kafka_consumer_group_lag', { group, topic }) === 0
        ? metrics
        : undefined;
    });
    const pass = await monitor.runOnce();
    expect(after('strata_kafka_consumer_status', { group, topic, status: 'OK' })).toBe(1);
    const objects = objectsByFirst + after('strata_ingest_objects_written_total', { topic });
    expect(pass.storage?.days.reduce((n, d) => n + d.objects, 0)).toBe(objects);
    expect((await scrape())('strata_storage_objects')).toBe(objects);
  });

  /** Reads /metrics through the strict parser; returns a lookup summing the matching series. */
  async function scrape(): Promise<(name: string, labels?: Record<string, string>) => number> {
    const { samples } = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
    return (name, labels = {}) =>
      samples
        .filter(
          (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )
        .reduce((n, s) => n + s.value, 0);
  }
});
