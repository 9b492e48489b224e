import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/monitoring/alerts/engine.ts';
import { WebhookSink } from '../../src/monitoring/alerts/sinks.ts';
import { AlertStore } from '../../src/monitoring/alerts/store.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { MetricHistory } from '../../src/monitoring/metrics/history.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../src/monitoring/metrics/snapshot.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { spawnStrata } from '../helpers/cli.ts';
import { deleteKeys } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  connectRedis,
  quietLogger,
  sinksTo,
  startWebhookReceiver,
  testPipeline,
  uniqueName,
  type WebhookReceiver,
} from './monitoring-support.ts';

const UPLOAD_ERRORS = `monitoring:
  storage:
    enabled: false
alerts:
  rules:
    upload_errors:
      kind: counter_increase
      metric: strata_ingest_upload_errors_total
      threshold: 5
      window: 10m
      severity: error
`;

describe('the monitor process: one evaluator at a time, metrics from every role, graceful stop', () => {
  const redis: Redis = connectRedis();
  let prefix: string;
  let keys: MonitorKeys;
  let webhook: WebhookReceiver;
  const closers: Array<() => Promise<unknown> | void> = [];

  beforeEach(async () => {
    prefix = `${uniqueName('prefix')}:`;
    keys = new MonitorKeys(prefix);
    webhook = await startWebhookReceiver();
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await webhook.close();
    await deleteKeys(redis, prefix);
  });

  function monitor(name: string): Monitor {
    const { pipeline, cleanup } = testPipeline(UPLOAD_ERRORS);
    closers.push(cleanup);
    const logger = quietLogger().child({ monitor: name });
    const m = new Monitor({
      pipeline,
      redis,
      keys,
      metrics: new ProcessMetrics({ defaultMetrics: false }),
      logger,
      sinks: sinksTo(webhook, pipeline, logger),
      intervalMs: 100,
      leaseTtlMs: 1_000,
    });
    closers.push(() => m.close());
    return m;
  }

  it('lets only the lease holder evaluate; a standby takes over without repeating a firing alert', async () => {
    // A stand-in ingest process: its own registry, published to Redis like every role does.
    const ingest = new ProcessMetrics({ defaultMetrics: false });
    const errors = ingest.ingest().uploadErrors;
    errors.inc({ topic: 'prices' }, 0);
    const publisher = new MetricsSnapshotPublisher(redis, keys, ingest.registry, {
      role: 'ingest',
      intervalMs: 100,
    });
    publisher.start();
    closers.push(() => publisher.close());

    const first = monitor('first');
    const second = monitor('second');
    first.start();
    await waitFor('the first monitor to lead', () => first.isLeader);
    second.start();
    expect(second.state).toBe('running');

    errors.inc({ topic: 'prices' }, 8);
    await waitFor('the upload_errors alert', () => webhook.received.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(webhook.received.map((p) => `${String(p.rule)}:${String(p.status)}`)).toEqual([
      'upload_errors:firing',
    ]);
    expect(webhook.received[0]).toMatchObject({
      value: 8,
      summary: 'strata_ingest_upload_errors_total grew by 8 within 10m (limit 5)',
    });
    expect(second.isLeader).toBe(false);

    // The leader stops gracefully and gives the lease up; the standby leads from its next pass.
    await first.close();
    expect(first.state).toBe('stopped');
    await waitFor('the standby to lead', () => second.isLeader);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Its history starts empty, so it cannot tell yet whether errors stopped: the alert stays firing, unrepeated.
    expect(webhook.received).toHaveLength(1);
    const states = await new AlertStore(redis, keys).states();
    expect(states.map((s) => [s.id, s.phase])).toEqual([['upload_errors', 'firing']]);
  });

  it('records nothing and notifies nothing without the lease (fencing), and a pass without it evaluates nothing', async () => {
    const { pipeline, cleanup } = testPipeline(
      UPLOAD_ERRORS.replace('threshold: 5', 'threshold: 0'),
    );
    closers.push(cleanup);
    const logger = quietLogger();
    const store = new AlertStore(redis, keys);
    const engine = new AlertEngine({
      rules: pipeline.alerts.rules,
      store,
      sinks: [new WebhookSink({ url: webhook.url, timeoutMs: 2_000 })],
      logger,
    });
    const metrics = new MetricHistory(600_000);
    const family = (value: number) => ({
      name: 'strata_ingest_upload_errors_total',
      help: 'h',
      type: 'counter' as const,
      values: [{ value, labels: {} }],
    });
    metrics.record([{ instance: 'i', role: 'ingest', at: 0, metrics: [family(0)] }], 1);
    metrics.record([{ instance: 'i', role: 'ingest', at: 0, metrics: [family(3)] }], 2);

    // A monitor that paused past its lease: another one holds it now.
    await redis.set(keys.lease(), 'the-new-leader', 'PX', 10_000);
    const fenced = await engine.evaluate({ now: 3, metrics }, 'the-old-leader');
    expect(fenced).toMatchObject({ committed: false, events: [] });
    expect(webhook.received).toEqual([]);
    expect(await store.states()).toEqual([]);

    const led = await engine.evaluate({ now: 3, metrics }, 'the-new-leader');
    expect(led.committed).toBe(true);
    expect(webhook.received.map((p) => p.status)).toEqual(['firing']);
    expect((await store.states()).map((s) => s.phase)).toEqual(['firing']);

    const m = monitor('standby');
    expect(await m.runOnce()).toEqual({ leader: false });
    expect(webhook.received).toHaveLength(1);
  });

  it('`strata monitor` runs until SIGTERM, then stops cleanly and gives its lease up', async () => {
    const { file, cleanup } = testPipeline(UPLOAD_ERRORS);
    closers.push(cleanup);
    const monitorProcess = spawnStrata(['--config', file, 'monitor', '--interval', '200ms'], {
      STRATA_KEY_PREFIX: prefix,
      STRATA_LOG_LEVEL: 'info',
    });
    closers.push(() => {
      if (monitorProcess.child.exitCode === null) monitorProcess.child.kill('SIGKILL');
    });

    await waitFor(
      'the monitor to take the lease',
      async () => (await redis.exists(keys.lease())) === 1,
      30_000,
    );
    await waitFor(
      'its metrics snapshot',
      async () => (await redis.scard(keys.metricInstances())) === 1,
    );
    monitorProcess.child.kill('SIGTERM');
    expect(await monitorProcess.exited).toBe(0);
    expect(monitorProcess.stderr()).toContain('this monitor now evaluates alert rules');
    expect(await redis.exists(keys.lease())).toBe(0);
    expect(await redis.scard(keys.metricInstances())).toBe(0);
  });
});
