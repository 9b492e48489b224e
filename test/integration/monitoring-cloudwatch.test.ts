import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { alarmsForRules, syncAlarms } from '../../src/monitoring/cloudwatch/alarms.ts';
import { createCloudWatchClient } from '../../src/monitoring/cloudwatch/client.ts';
import { datumsFromTick } from '../../src/monitoring/cloudwatch/datums.ts';
import { CloudWatchPublisher } from '../../src/monitoring/cloudwatch/publisher.ts';
import { MetricHistory } from '../../src/monitoring/metrics/history.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { snapshotOf } from '../../src/monitoring/metrics/snapshot.ts';
import { DeadlineExceededError } from '../../src/shared/deadline.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { awsEndpoint } from './ingest-support.ts';
import { closedPort, quietLogger, testPipeline, uniqueName } from './monitoring-support.ts';

describe('CloudWatch export against moto', () => {
  const client: CloudWatchClient = createCloudWatchClient({
    awsEndpointUrl: awsEndpoint,
    awsRegion: 'us-east-1',
  });
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('publishes ingest counters, lag gauges and upload durations that come back with their names, dimensions and values', async () => {
    const namespace = uniqueName('ns');
    // Unique dimension too: moto filters by dimensions before namespace.
    const run = uniqueName('run');
    const ingest = new ProcessMetrics({ defaultMetrics: false });
    const monitorMetrics = new ProcessMetrics({ defaultMetrics: false });
    const history = new MetricHistory(3_600_000);
    const publisher = new CloudWatchPublisher({
      client,
      namespace,
      maxBuffer: 1000,
      flushIntervalMs: 60_000,
      logger: quietLogger(),
      metrics: monitorMetrics.monitor(),
    });
    cleanups.push(() => publisher.close());
    const snapshot = async (at: number) => [
      await snapshotOf(ingest.registry, 'ingest-1', 'ingest', at),
    ];

    const t0 = Date.now() - 120_000;
    ingest.ingest().recordsValid.inc({ topic: 'prices' }, 10);
    history.record(await snapshot(t0), t0);
    ingest.ingest().recordsValid.inc({ topic: 'prices' }, 42);
    ingest.ingest().uploadErrors.inc({ topic: 'prices' }, 3);
    ingest.ingest().uploadDuration.observe({ topic: 'prices' }, 0.2);
    ingest.ingest().uploadDuration.observe({ topic: 'prices' }, 45);
    ingest.lag().groupLag.set({ group: 'sink', topic: 'prices' }, 1234);
    const tick = history.record(await snapshot(t0 + 60_000), t0 + 60_000);
    publisher.enqueue(datumsFromTick(tick, history, { Run: run }));
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ buffered: 0, dropped: 0 });
    expect(publisher.stats().sent).toBeGreaterThanOrEqual(4);

    const listed = await client.send(new ListMetricsCommand({ Namespace: namespace }));
    const names = new Set((listed.Metrics ?? []).map((m) => m.MetricName));
    expect([...names].sort()).toEqual(
      expect.arrayContaining([
        'IngestRecordsValid',
        'IngestUploadErrors',
        'IngestUploadDurationSeconds',
        'KafkaConsumerGroupLag',
      ]),
    );
    const lagMetric = listed.Metrics?.find((m) => m.MetricName === 'KafkaConsumerGroupLag');
    expect(lagMetric?.Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'Run', Value: run },
        { Name: 'group', Value: 'sink' },
        { Name: 'topic', Value: 'prices' },
      ]),
    );

    const dims = (extra: Record<string, string>) =>
      Object.entries({ Run: run, ...extra }).map(([Name, Value]) => ({ Name, Value }));
    const data = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(t0 - 60_000),
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: [
          {
            Id: 'valid',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: 'IngestRecordsValid',
                Dimensions: dims({ topic: 'prices' }),
              },
              Period: 3600,
              Stat: 'Sum',
            },
          },
          {
            Id: 'errors',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: 'IngestUploadErrors',
                Dimensions: dims({ topic: 'prices' }),
              },
              Period: 3600,
              Stat: 'Sum',
            },
          },
          {
            Id: 'lag',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: 'KafkaConsumerGroupLag',
                Dimensions: dims({ group: 'sink', topic: 'prices' }),
              },
              Period: 3600,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    const values: Record<string, number[] | undefined> = Object.fromEntries(
      (data.MetricDataResults ?? []).map((r) => [r.Id ?? '', r.Values]),
    );
    // The first snapshot is the baseline: only what happened after it is sent.
    expect(values).toEqual({ valid: [42], errors: [3], lag: [1234] });

    const durations = await client.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: 'IngestUploadDurationSeconds',
        Dimensions: dims({ topic: 'prices' }),
        StartTime: new Date(t0 - 60_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ['SampleCount', 'Maximum', 'Minimum'],
      }),
    );
    // 0.2 s lands in the 0.25 bucket; 45 s lies above the largest bound (30) and is reported there.
    expect(durations.Datapoints?.[0]).toMatchObject({
      SampleCount: 2,
      Minimum: 0.25,
      Maximum: 30,
      Unit: 'Seconds',
    });
  });

  it('loses no pipeline work when CloudWatch is down: enqueue never throws, the buffer stays bounded, drops are counted', async () => {
    const port = await closedPort();
    const down = createCloudWatchClient({
      awsEndpointUrl: `http://127.0.0.1:${port}`,
      awsRegion: 'us-east-1',
    });
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const publisher = new CloudWatchPublisher({
      client: down,
      namespace: uniqueName('ns'),
      maxBuffer: 500,
      flushIntervalMs: 50,
      attempts: 2,
      backoff: { initialMs: 10, maxMs: 20 },
      logger: quietLogger(),
      metrics: metrics.monitor(),
    });
    cleanups.push(() => publisher.close());
    publisher.start();

    // The "pipeline": 2000 units of work, each reporting a datum, with flushes failing meanwhile.
    let done = 0;
    for (let i = 0; i < 2000; i++) {
      publisher.enqueue([{ MetricName: 'Work', Value: i, Timestamp: new Date() }]);
      done++;
      if (i % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await publisher.flush();
    expect(done).toBe(2000);
    const stats = publisher.stats();
    expect(stats.sent).toBe(0);
    expect(stats.buffered).toBeLessThanOrEqual(500);
    expect(stats.buffered + stats.dropped).toBe(2000);
    const dropped = await metrics.monitor().cloudwatchDropped.get();
    expect(dropped.values.find((v) => v.labels.reason === 'buffer_full')?.value).toBe(
      stats.dropped,
    );
    const errors = await metrics.monitor().cloudwatchErrors.get();
    expect(errors.values.find((v) => v.labels.kind === 'transient')?.value).toBeGreaterThan(0);

    // Closing during the outage gives up after one try and reports what it could not send.
    await publisher.close();
    expect(publisher.stats().buffered).toBe(0);
    expect(publisher.stats().dropped).toBe(2000);
  });

  it('keeps buffered datums and sends them once CloudWatch answers again', async () => {
    const namespace = uniqueName('ns');
    let failing = true;
    const flaky = {
      send: (command: Parameters<CloudWatchClient['send']>[0]) => {
        if (failing)
          return Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          );
        return client.send(command);
      },
    } as Pick<CloudWatchClient, 'send'>;
    const publisher = new CloudWatchPublisher({
      client: flaky,
      namespace,
      maxBuffer: 100,
      flushIntervalMs: 60_000,
      attempts: 1,
      logger: quietLogger(),
    });
    cleanups.push(() => publisher.close());
    const run = uniqueName('run');
    publisher.enqueue([
      {
        MetricName: 'Kept',
        Value: 7,
        Dimensions: [{ Name: 'Run', Value: run }],
        Timestamp: new Date(),
      },
    ]);
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ buffered: 1, sent: 0 });
    failing = false;
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ buffered: 0, sent: 1 });
    const stats = await client.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: 'Kept',
        Dimensions: [{ Name: 'Run', Value: run }],
        StartTime: new Date(Date.now() - 600_000),
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600,
        Statistics: ['Sum'],
      }),
    );
    expect(stats.Datapoints?.[0]?.Sum).toBe(7);
  });

  it('mirrors alert rules as CloudWatch alarms (PutMetricAlarm)', async () => {
    const prefix = uniqueName('alarm');
    const { pipeline, cleanup } = testPipeline(
      `monitoring:\n  lag:\n    groups: [{ group: sink, topic: prices }]\n  cloudwatch:\n    enabled: true\n    namespace: StrataTest\n    dimensions: { Pipeline: crypto }\n    interval: 60s\n` +
        `alerts:\n  rules:\n    lag:\n      kind: kafka_lag\n      maxLag: 1000\n      for: 2m\n    errors:\n      kind: counter_increase\n      metric: strata_ingest_upload_errors_total\n      threshold: 5\n      window: 10m\n    gold:\n      kind: staleness\n      asset: gold\n      maxAge: 2h\n    checks:\n      kind: check_failed\n`,
      'assets:\n  gold:\n    kind: noop\n',
    );
    cleanups.push(cleanup);
    const alarms = alarmsForRules(pipeline.alerts.rules, pipeline.monitoring, prefix);
    cleanups.push(() =>
      client.send(new DeleteAlarmsCommand({ AlarmNames: alarms.map((a) => a.AlarmName!) })),
    );
    await syncAlarms(client, alarms);
    const described = await client.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
    const byName = new Map((described.MetricAlarms ?? []).map((a) => [a.AlarmName, a]));
    expect([...byName.keys()].sort()).toEqual([
      `${prefix}-errors`,
      `${prefix}-gold`,
      `${prefix}-lag-sink-prices`,
    ]);
    expect(byName.get(`${prefix}-lag-sink-prices`)).toMatchObject({
      MetricName: 'KafkaConsumerGroupLag',
      Namespace: 'StrataTest',
      Threshold: 1000,
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 60,
      EvaluationPeriods: 2,
    });
    expect(byName.get(`${prefix}-errors`)).toMatchObject({
      MetricName: 'IngestUploadErrors',
      Statistic: 'Sum',
      Period: 600,
      Threshold: 5,
    });
    expect(byName.get(`${prefix}-gold`)).toMatchObject({
      MetricName: 'AssetFreshnessLagSeconds',
      Threshold: 7200,
    });
  });
});

describe('CloudWatch when its endpoint hangs', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('cuts PutMetricData and PutMetricAlarm at their deadline, keeps the datums, and sends them once it answers', async () => {
    const proxy = await TcpProxy.start(awsEndpoint);
    cleanups.push(() => proxy.close());
    const client = createCloudWatchClient({ awsEndpointUrl: proxy.url, awsRegion: 'us-east-1' });
    cleanups.push(() => Promise.resolve(client.destroy()));
    const metrics = new ProcessMetrics({ defaultMetrics: false });
    const namespace = uniqueName('ns');
    const publisher = new CloudWatchPublisher({
      client,
      namespace,
      maxBuffer: 1000,
      flushIntervalMs: 60_000,
      attempts: 1,
      callTimeoutMs: 500,
      logger: quietLogger(),
      metrics: metrics.monitor(),
    });
    cleanups.push(() => publisher.close());

    proxy.freeze();
    publisher.enqueue([{ MetricName: 'Probe', Value: 1, Unit: 'Count' }]);
    await publisher.flush(); // returns: the call was cut, not left hanging
    expect(proxy.held).toBeGreaterThan(0);
    expect(publisher.stats()).toMatchObject({ buffered: 1, sent: 0, dropped: 0 });
    const errors = await metrics.registry
      .getSingleMetric('strata_cloudwatch_publish_errors_total')!
      .get();
    expect(errors.values.find((v) => v.labels.kind === 'transient')?.value).toBe(1);
    await expect(
      syncAlarms(
        client,
        [
          {
            AlarmName: uniqueName('alarm'),
            Namespace: namespace,
            MetricName: 'Probe',
            Period: 60,
            EvaluationPeriods: 1,
            Threshold: 1,
            Statistic: 'Sum',
            ComparisonOperator: 'GreaterThanThreshold',
          },
        ],
        500,
      ),
    ).rejects.toBeInstanceOf(DeadlineExceededError);

    proxy.thaw();
    await publisher.flush();
    expect(publisher.stats()).toMatchObject({ buffered: 0, sent: 1 });
  });
});
