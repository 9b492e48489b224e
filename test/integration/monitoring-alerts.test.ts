import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedPipeline } from '../../src/config/index.ts';
import { EventLog, RedisKeys } from '../../src/jobs/index.ts';
import { EventLogHealthSource } from '../../src/monitoring/asset-health.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { readMonitoringStatus } from '../../src/monitoring/status.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  connectRedis,
  quietLogger,
  sinksTo,
  startWebhookReceiver,
  type WebhookReceiver,
} from './monitoring-support.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

/**
 * Check and staleness alerts from the real event log: assets materialized by a real worker on
 * real Redis and BullMQ, read back by the monitor. `gold` derives its data time from `src`, so
 * materializing gold alone keeps src's old data time, which fails gold's freshness check.
 */
const ASSETS = `runs:
  retries: 0
assets:
  src:
    kind: noop
  gold:
    kind: noop
    deps: [src]
    freshness:
      failAfter: 1500ms
    checks:
      - name: gold_is_fresh
        type: freshness
        severity: error
`;

const RULES = `alerts:
  rules:
    check_failed:
      kind: check_failed
      checkSeverity: error
      severity: error
    gold_stale:
      kind: staleness
      asset: gold
      maxAge: 1500ms
      severity: error
`;

describe('check and staleness alerts from the event log', () => {
  const redis: Redis = connectRedis();
  let sandbox: Sandbox;
  let prefix: string;
  let webhook: WebhookReceiver;
  let pipeline: LoadedPipeline;
  const closers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    sandbox = createSandbox({ STRATA_LEASE_TTL_MS: '2000', STRATA_STALLED_INTERVAL_MS: '1000' });
    prefix = sandbox.settings.keyPrefix;
    webhook = await startWebhookReceiver();
    pipeline = pipelineWith(RULES);
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await sandbox.cleanup();
    await webhook.close();
  });

  const pipelineWith = (rules: string) => sandbox.pipeline(`version: 1\n${ASSETS}${rules}`);

  async function setUp() {
    const orchestrator = await sandbox.connect(pipeline);
    await sandbox.startWorker(pipeline);
    const logger = quietLogger();
    const monitor = new Monitor({
      pipeline,
      redis,
      keys: new MonitorKeys(prefix),
      metrics: new ProcessMetrics({ defaultMetrics: false }),
      logger,
      sinks: sinksTo(webhook, pipeline, logger),
      assetHealth: new EventLogHealthSource(new EventLog(redis, new RedisKeys(prefix))),
      intervalMs: 200,
    });
    closers.push(() => monitor.close());
    const materialize = async (selection: string) =>
      orchestrator.waitForRun((await orchestrator.submit({ selection })).runId);
    return { monitor, materialize };
  }

  const events = () => webhook.received.map((p) => `${String(p.rule)}:${String(p.status)}`);

  it('fires on a failing error-severity check and on gold staleness, and resolves both after a fresh materialization', async () => {
    const { monitor, materialize } = await setUp();
    expect((await materialize('+gold')).status).toBe('succeeded');
    await monitor.runOnce();
    expect(events()).toEqual([]);

    // Nothing new lands: gold ages past 1.5 s and goes stale.
    await waitFor('gold to go stale', async () => {
      await monitor.runOnce();
      return events().includes('gold_stale:firing');
    });
    expect(events()).toEqual(['gold_stale:firing']);
    const stale = webhook.received[0];
    expect(stale).toMatchObject({ labels: { asset: 'gold' }, severity: 'error' });
    expect(String(stale?.summary)).toMatch(/^gold data is \d+s old \(limit 1s\)$/);

    // Re-running gold alone keeps src's old data time: its freshness check fails.
    const run = await materialize('gold');
    expect(run.status).toBe('failed');
    await monitor.runOnce();
    expect(events()).toEqual(['gold_stale:firing', 'check_failed:firing']);
    const failed = webhook.received[1];
    expect(failed).toMatchObject({
      labels: { asset: 'gold', check: 'gold_is_fresh' },
      severity: 'error',
      kind: 'check_failed',
    });
    expect(String(failed?.summary)).toMatch(
      /^check gold_is_fresh on gold \(error\): failed: past its fail window/,
    );
    const status = await readMonitoringStatus(redis, prefix);
    expect(status.firing.map((a) => a.id)).toEqual([
      'check_failed{asset=gold,check=gold_is_fresh}',
      'gold_stale{asset=gold}',
    ]);

    await monitor.runOnce();
    expect(webhook.received).toHaveLength(2);

    expect((await materialize('+gold')).status).toBe('succeeded');
    await monitor.runOnce();
    expect(events().slice(2).sort()).toEqual(['check_failed:resolved', 'gold_stale:resolved']);
    expect((await readMonitoringStatus(redis, prefix)).firing).toEqual([]);
  });

  it('holds a staleness alert for `for` before firing', async () => {
    pipeline = pipelineWith(RULES.replace('maxAge: 1500ms', 'maxAge: 1500ms\n      for: 1s'));
    const { monitor, materialize } = await setUp();
    await materialize('+gold');
    const phases: string[] = [];
    await waitFor('the stale alert to fire', async () => {
      const pass = await monitor.runOnce();
      const phase = pass.alerts?.states.find((s) => s.rule === 'gold_stale')?.phase ?? 'ok';
      if (phases.at(-1) !== phase) phases.push(phase);
      return phase === 'firing';
    });
    expect(phases).toEqual(['ok', 'pending', 'firing']);
    expect(events()).toEqual(['gold_stale:firing']);
  });
});
