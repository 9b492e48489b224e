import { randomUUID } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../src/monitoring/metrics/snapshot.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { S3ObjectStore } from '../../src/storage/index.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  Resources,
  awsEndpoint,
  capturingLogger,
  committedOffsets,
  createIngestService,
  createTestBucket,
  createTestTopic,
  emptyAndDeleteBucket,
  endOffsets,
  expectExactlyOnce,
  readLake,
  s3Client,
  sameOffsets,
  sendValid,
  testKafka,
} from './ingest-support.ts';
import {
  connectRedis,
  quietLogger,
  sinksTo,
  startWebhookReceiver,
  testPipeline,
  uniqueName,
} from './monitoring-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

/** Far longer than every storage deadline below, and than the time the test holds the hang. */
const SESSION_TIMEOUT_MS = 30_000;
const OPERATION_TIMEOUT_MS = 2_000;

describe('ingest while S3 hangs (connections held open, no reply)', () => {
  it('times uploads out, pauses and resumes partitions, counts and alerts on it, and lands every record once without losing the Kafka session', async () => {
    const redis = connectRedis();
    resources.add(() => Promise.resolve(redis.disconnect()));
    const prefix = `${uniqueName('hang')}:`;
    const keys = new MonitorKeys(prefix);
    resources.add(() => deleteKeys(redis, prefix));

    const t = await createTestTopic(resources, testKafka(), 2);
    const bucket = await createTestBucket(resources);
    const proxy = await TcpProxy.start(awsEndpoint);
    resources.add(() => proxy.close());
    const store = new S3ObjectStore({
      bucket,
      region: 'us-east-1',
      endpoint: proxy.url,
      requestTimeoutMs: 1_000,
      operationTimeoutMs: OPERATION_TIMEOUT_MS,
      attempts: 2,
      backoff: { initialMs: 50, maxMs: 100 },
    });
    const reader = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
    resources.add(() => Promise.all([store.close(), reader.close()]).then(() => undefined));

    // The ingest replica publishes its metrics as `strata ingest` does; the monitor reads them.
    const registry = new Registry();
    const snapshots = new MetricsSnapshotPublisher(redis, keys, registry, {
      role: 'ingest',
      intervalMs: 200,
    });
    snapshots.start();
    resources.add(() => snapshots.close());
    const { logger, lines } = capturingLogger();
    const service = createIngestService(
      resources,
      t,
      store,
      {
        batch: { maxRecords: 20, maxBytes: 1_000_000, maxAgeMs: 300 },
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        healBackoff: { initialMs: 200, maxMs: 1_000, factor: 2, jitter: 0.5 },
      },
      registry,
      logger,
    );

    const webhook = await startWebhookReceiver();
    resources.add(() => webhook.close());
    const loaded = testPipeline(
      `kafka:\n  topic: ${t.topic}\n  partitions: 2\n` +
        'alerts:\n  rules:\n' +
        '    upload_errors:\n      kind: counter_increase\n      metric: strata_ingest_upload_errors_total\n      threshold: 2\n      window: 10m\n      severity: error\n' +
        '    upload_slow:\n      kind: histogram_above\n      metric: strata_ingest_upload_duration_seconds\n      threshold: 1\n      window: 10m\n      severity: warn\n',
    );
    resources.add(loaded.cleanup);
    const monitorLogger = quietLogger();
    const monitor = new Monitor({
      pipeline: loaded.pipeline,
      redis,
      keys,
      metrics: new ProcessMetrics({ defaultMetrics: false }),
      logger: monitorLogger,
      sinks: sinksTo(webhook, loaded.pipeline, monitorLogger),
    });
    resources.add(() => monitor.close());
    const failures = () => lines.filter((l) => l.msg === 'write failed; partition paused');
    const firedRules = (): string[] =>
      webhook.received.filter((p) => p.status === 'firing').map((p) => String(p.rule));

    await service.start();
    await sendValid(t, 0, 200);
    await waitFor('first 200 landed', async () => (await readLake(reader)).length === 200, 30_000);
    const beforeHang = await endOffsets(t);
    await waitFor(
      'first 200 committed',
      async () => sameOffsets(await committedOffsets(t), beforeHang),
      15_000,
    );
    // The monitor's baseline: a pass that has read the replica's figures from before the hang.
    await snapshots.publish();
    expect((await monitor.runOnce()).leader).toBe(true);
    const generation = service.stats().generation;

    proxy.freeze();
    await sendValid(t, 200, 400);
    await waitFor(
      'both partitions paused by timed-out writes',
      () => service.stats().uploadErrors >= 3 && service.stats().paused.length === 2,
      60_000,
    );
    await waitFor(
      'the upload_errors and upload_slow rules to fire',
      async () => {
        await monitor.runOnce();
        return firedRules().includes('upload_errors') && firedRules().includes('upload_slow');
      },
      60_000,
    );
    expect(await committedOffsets(t)).toEqual(beforeHang); // nothing committed while storage hangs
    expect(proxy.held).toBeGreaterThan(0); // the requests reached the proxy and got no reply
    const duringHang = failures();
    expect(duringHang.every((l) => l.timedOut === true)).toBe(true);

    proxy.thaw();
    await waitFor(
      'everything landed after the hang',
      async () => (await readLake(reader)).length >= 600,
      60_000,
    );
    await waitFor('both partitions resumed', () => service.stats().paused.length === 0);
    await service.close();
    await expectExactlyOnce(t, reader, 600);

    const failed = failures();
    const timedOut = failed.filter((l) => l.timedOut === true);
    expect(timedOut.length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => l.msg === 'write healed; partition resumed').length).toBeGreaterThan(
      0,
    );
    // Our deadlines fired first: the consumer never lost its session, so it never rejoined.
    expect(service.stats().generation).toBe(generation);
    expect(lines.some((l) => l.msg === 'group rebalancing')).toBe(false);
    const stats = service.stats();
    expect(stats.valid).toBe(600);
    expect(stats.uploadErrors).toBe(failed.length);

    /** The value of one series of `family` (a histogram's by its metricName). */
    const metric = async (family: string, name = family, labels: object = {}): Promise<number> =>
      (await registry.getSingleMetric(family)!.get()).values.find(
        (v) =>
          ((v as { metricName?: string }).metricName ?? family) === name &&
          Object.entries({ topic: t.topic, ...labels }).every(
            ([k, want]) => (v.labels as Record<string, unknown>)[k] === want,
          ),
      )?.value ?? 0;
    expect(await metric('strata_ingest_upload_errors_total')).toBe(failed.length);
    expect(await metric('strata_ingest_records_valid_total')).toBe(600);
    // Every timed-out write is in the duration histogram, at its deadline (2 s, above 1 s).
    const histogram = 'strata_ingest_upload_duration_seconds';
    const count = await metric(histogram, `${histogram}_count`);
    const upToOne = await metric(histogram, `${histogram}_bucket`, { le: 1 });
    expect(count - upToOne).toBe(timedOut.length);
  });
});

describe('ingest when the bucket does not exist', () => {
  it('says so in one error line per backoff step, backs off further each time, and heals only once a write succeeds', async () => {
    const t = await createTestTopic(resources, testKafka(), 2);
    const bucket = `test-missing-${randomUUID().slice(0, 12)}`;
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
    resources.add(() => store.close());
    const { logger, lines } = capturingLogger();
    const service = createIngestService(
      resources,
      t,
      store,
      {
        batch: { maxRecords: 20, maxBytes: 1_000_000, maxAgeMs: 300 },
        healBackoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0 },
      },
      new Registry(),
      logger,
    );
    await service.start();
    await sendValid(t, 0, 40);

    const missing = (partition: number) =>
      lines.filter((l) => l.partition === partition && /does not exist/.test(String(l.msg)));
    await waitFor(
      'four backoff steps on each partition',
      () => missing(0).length >= 4 && missing(1).length >= 4,
      60_000,
    );
    for (const partition of [0, 1]) {
      const steps = missing(partition).slice(0, 4);
      expect(steps.map((l) => l.attempt)).toEqual([1, 2, 3, 4]);
      expect(steps.map((l) => l.retryInMs)).toEqual([100, 200, 400, 800]);
      expect(steps[0]).toMatchObject({
        level: 50,
        msg:
          `bucket ${bucket} does not exist at ${awsEndpoint}: create it (aws s3 mb s3://${bucket} --endpoint-url ${awsEndpoint}; ` +
          'on the local stack `strata stack up` does) or set storage.bucket to an existing one; partition paused, retrying',
      });
    }
    expect(lines.filter((l) => l.msg === 'write healed; partition resumed')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'write failed; partition paused')).toEqual([]);

    // Someone creates the bucket: the next attempt claims, lands, and only now says "healed".
    const admin = s3Client();
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    resources.add(async () => {
      await emptyAndDeleteBucket(admin, bucket);
      admin.destroy();
    });
    await waitFor('all 40 landed', async () => (await readLake(store)).length === 40, 60_000);
    await service.close();
    await expectExactlyOnce(t, store, 40);
    const healed = lines.filter((l) => l.msg === 'write healed; partition resumed');
    expect(healed.map((l) => l.partition).sort()).toEqual([0, 1]);
  });
});
