import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/index.ts';
import { AssetEventStream } from '../../src/jobs/asset-events.ts';
import type { Orchestrator, RunRecord } from '../../src/jobs/index.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { AutomationStore, type StoredDecision } from '../../src/scheduler/state.ts';
import { SchedulerKeys } from '../../src/scheduler/keys.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { EventLog } from '../../src/jobs/event-log.ts';
import { EventLogHealthSource } from '../../src/monitoring/asset-health.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { Monitor } from '../../src/monitoring/monitor.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';
import type { RedisTarget } from '../helpers/redis-target.ts';

/** Scheduler settings short enough for tests: decisions within a second, not minutes. */
const FAST_SCHEDULER = `
scheduler:
  debounce: 100ms
  tick: 500ms
  leaseTtl: 3s
  backoff:
    initial: 1s
    max: 8s
`;

/** The suite, against single Redis (integration) or a Redis Cluster (topologies). */
export function describeSchedulerAutomation(target: RedisTarget): void {
  describe(`automation: upstream- and freshness-driven runs (BullMQ, workers, ${target.name})`, () => {
    let sandbox: Sandbox;
    let schedulers: Scheduler[];

    beforeEach(() => {
      sandbox = createSandbox({}, target);
      schedulers = [];
    });

    afterEach(async () => {
      for (const s of schedulers) await s.close();
      await sandbox.cleanup();
    });

    async function startAll(yaml: string): Promise<{
      orchestrator: Orchestrator;
      scheduler: Scheduler;
      store: AutomationStore;
      events: AssetEventStream;
    }> {
      const file = sandbox.writeConfig(yaml);
      const pipeline = await loadPipeline(file, { ...process.env, ...sandbox.env });
      const orchestrator = await sandbox.connect(pipeline);
      await sandbox.startWorker(pipeline, { concurrency: 4 });
      const scheduler = await Scheduler.start({
        file,
        pipeline,
        redisUrl: sandbox.redisUrl,
        settings: sandbox.settings,
        logger: createLogger('test-scheduler', 'silent'),
        watchConfig: false,
      });
      schedulers.push(scheduler);
      await waitFor('the scheduler to lead', () => scheduler.isLeader, 10_000, 50);
      const store = new AutomationStore(
        orchestrator.redis,
        orchestrator.keys,
        new SchedulerKeys(sandbox.settings.keyPrefix),
      );
      return {
        orchestrator,
        scheduler,
        store,
        events: new AssetEventStream(orchestrator.redis, orchestrator.keys),
      };
    }

    const runsWith = async (o: Orchestrator, trigger: string): Promise<RunRecord[]> =>
      (await o.runs.list(500)).filter((r) => r.trigger === trigger);

    const decisionOf = async (
      store: AutomationStore,
      asset: string,
    ): Promise<StoredDecision | undefined> => (await store.latestDecisions()).get(asset);

    it('runs the whole chain below a materialized root as one run with trigger upstream', async () => {
      const { orchestrator } = await startAll(`version: 1
${FAST_SCHEDULER}
assets:
  root: { kind: noop }
  b: { kind: noop, deps: [root], automation: { onUpstream: true, onFreshness: false } }
  c: { kind: noop, deps: [b], automation: { onUpstream: true, onFreshness: false } }
  d: { kind: noop, deps: [c], automation: { onUpstream: true, onFreshness: false } }
`);
      const { runId } = await orchestrator.submit({ selection: 'root' });
      await orchestrator.waitForRun(runId);
      const [run] = await waitFor(
        'an upstream run to succeed',
        async () => {
          const runs = await runsWith(orchestrator, 'upstream');
          return runs.length > 0 && runs.every((r) => r.status === 'succeeded') && runs;
        },
        20_000,
      );
      expect((await runsWith(orchestrator, 'upstream')).length).toBe(1);
      expect(run!.assets).toEqual(['b', 'c', 'd']);
      expect(run!.reason).toContain('b: new data in root');
    });

    it('coalesces a burst of 20 root materializations into at most two downstream runs', async () => {
      const { orchestrator, store } = await startAll(`version: 1
${FAST_SCHEDULER}
assets:
  root: { kind: noop }
  b: { kind: noop, deps: [root], automation: { onUpstream: true, onFreshness: false, minInterval: 3s } }
  c: { kind: noop, deps: [b], automation: { onUpstream: true, onFreshness: false, minInterval: 3s } }
`);
      const roots = await Promise.all(
        Array.from({ length: 20 }, () => orchestrator.submit({ selection: 'root' })),
      );
      for (const { runId } of roots) await orchestrator.waitForRun(runId);
      const lastRootEnd = Math.max(
        ...(await Promise.all(
          roots.map(async (r) => (await orchestrator.runs.get(r.runId))!.endedAt ?? 0),
        )),
      );
      // Proof the scheduler looked after the burst and the follow-up: it declined b for want of new
      // data at a time later than the last root and the last downstream run ended.
      await waitFor(
        'the scheduler to decline b with no new data after every run ended',
        async () => {
          const downstream = await runsWith(orchestrator, 'upstream');
          if (downstream.some((r) => r.status !== 'succeeded')) return false;
          const lastEnd = Math.max(lastRootEnd, ...downstream.map((r) => r.endedAt ?? 0));
          const d = await decisionOf(store, 'b');
          return d?.action === 'decline' && d.reason === 'no new upstream data' && d.at > lastEnd;
        },
        30_000,
      );
      const downstream = await runsWith(orchestrator, 'upstream');
      expect(downstream.length).toBeGreaterThanOrEqual(1);
      expect(downstream.length).toBeLessThanOrEqual(2);
      for (const run of downstream) expect(run.assets).toEqual(['b', 'c']);
    });

    it('re-runs an asset before its freshness window ends, from newer source data, with the reason recorded', async () => {
      const { orchestrator, events } = await startAll(`version: 1
${FAST_SCHEDULER}
assets:
  source: { kind: noop }
  fresh: { kind: noop, deps: [source], freshness: { warnAfter: 3s } }
`);
      // Ingest stands in: an observation of new source data every 300 ms.
      const feeding = setInterval(() => void events.observe('source', Date.now()), 300);
      try {
        await events.observe('source', Date.now());
        const runs = await waitFor(
          'three freshness runs to succeed',
          async () => {
            const r = await runsWith(orchestrator, 'freshness');
            return r.filter((x) => x.status === 'succeeded').length >= 3 && r;
          },
          40_000,
        );
        expect(runs[0]!.reason).toMatch(/fresh: (never materialized|data \S+ old), warn after 3s/);
      } finally {
        clearInterval(feeding);
      }
      const records = (await orchestrator.events.materializations('fresh', 10)).reverse();
      // After the first run, each re-run started before the previous data got 3 s old.
      for (let i = 1; i < records.length; i++) {
        const previous = records[i - 1]!;
        expect(records[i]!.startedAt - previous.dataTime!).toBeLessThan(3_000);
      }
      // ... and not on every tick: one run per window at most, near its end.
      const starts = records.map((r) => r.startedAt);
      for (let i = 1; i < starts.length; i++)
        expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(1_000);
    });

    it('starts no run when ingest stopped and the source has no newer data, says why, and leaves it to gold_stale', async () => {
      const { orchestrator, store, events } = await startAll(`version: 1
${FAST_SCHEDULER}
assets:
  source: { kind: noop }
  gold: { kind: noop, deps: [source], freshness: { failAfter: 2s } }
alerts:
  rules:
    gold_stale: { kind: staleness, asset: gold, maxAge: 2s, severity: error }
`);
      await events.observe('source', Date.now());
      const { runId } = await orchestrator.submit({ selection: 'gold' });
      await orchestrator.waitForRun(runId);
      // Ingest stopped: the source gets no newer data, so gold goes stale and stays so.
      const decision = await waitFor(
        'the scheduler to decline gold because of its source',
        async () => {
          const d = await decisionOf(store, 'gold');
          return (
            d?.action === 'decline' &&
            d.reason.includes('source source has no data newer than') &&
            d
          );
        },
        20_000,
      );
      expect(decision.reason).toContain('re-running cannot help');
      expect(await runsWith(orchestrator, 'freshness')).toEqual([]);

      const { pipeline, redis, keys } = orchestrator;
      const fired: string[] = [];
      const monitor = new Monitor({
        pipeline,
        redis,
        keys: new MonitorKeys(sandbox.settings.keyPrefix),
        metrics: new ProcessMetrics({ defaultMetrics: false }),
        logger: createLogger('test-monitor', 'silent'),
        sinks: [
          {
            name: 'test',
            send: (e) => {
              fired.push(`${e.alert.rule}:${e.type}`);
              return Promise.resolve();
            },
          },
        ],
        assetHealth: new EventLogHealthSource(new EventLog(redis, keys)),
        intervalMs: 200,
      });
      try {
        await waitFor('gold_stale to fire', async () => {
          await monitor.runOnce();
          return fired.includes('gold_stale:firing');
        });
      } finally {
        await monitor.close();
      }
      // The scheduler still started nothing for it after the alert fired.
      expect(await runsWith(orchestrator, 'freshness')).toEqual([]);
    });

    it('backs off an asset whose error check keeps failing, and automates it again after a passing manual run', async () => {
      const { orchestrator, store, events } = await startAll(`version: 1
${FAST_SCHEDULER}
assets:
  source: { kind: noop }
  gold:
    kind: noop
    deps: [source]
    freshness: { failAfter: 2s }
    checks:
      - { name: gold_is_fresh, type: freshness, severity: error }
`);
      // Old source data: every automated run of gold fails its freshness check.
      await events.observe('source', Date.now() - 60_000);
      const backingOff = await waitFor(
        'gold to back off after three failures',
        async () => {
          const d = await decisionOf(store, 'gold');
          return d?.reason.includes('backing off after 3 failed run(s)') && d;
        },
        40_000,
      );
      expect(backingOff.action).toBe('wait');
      const failedRuns = await runsWith(orchestrator, 'freshness');
      // One run per failure, no loop: the back-off doubled between them.
      expect(failedRuns.length).toBe(3);
      expect(failedRuns.every((r) => r.status === 'failed')).toBe(true);

      // Fresh source data and a passing manual run end the back-off ...
      await events.observe('source', Date.now());
      const { runId } = await orchestrator.submit({ selection: 'gold' });
      expect((await orchestrator.waitForRun(runId)).status).toBe('succeeded');
      // ... and gold is automated again when it next nears its window.
      const feeding = setInterval(() => void events.observe('source', Date.now()), 300);
      try {
        await waitFor(
          'an automated run of gold to succeed after the manual one',
          async () =>
            (await runsWith(orchestrator, 'freshness')).some(
              (r) => r.status === 'succeeded' && r.createdAt > backingOff.at,
            ),
          30_000,
        );
      } finally {
        clearInterval(feeding);
      }
    });

    it('counts a failure streak past the 5 newest materializations, as far as back-off reaches its max', async () => {
      // Default back-off (30s doubling to 30m): max is reached at the 7th consecutive failure.
      const pipeline = sandbox.pipeline(`version: 1
assets:
  source: { kind: noop }
  gold: { kind: noop, deps: [source], freshness: { failAfter: 1h } }
`);
      const orchestrator = await sandbox.connect(pipeline);
      const store = new AutomationStore(
        orchestrator.redis,
        orchestrator.keys,
        new SchedulerKeys(sandbox.settings.keyPrefix),
      );
      const record = (status: 'succeeded' | 'failed', endedAt: number): string =>
        JSON.stringify({
          runId: `run-${endedAt}`,
          asset: 'gold',
          status,
          attempt: 1,
          worker: 'test',
          fence: 1,
          enqueuedAt: endedAt - 2,
          startedAt: endedAt - 1,
          endedAt,
          dataTime: null,
          metadata: {},
          checks: [],
        });
      const list = orchestrator.keys.materializations('gold');
      // Oldest first (LPUSH: the newest ends up first): a success, then 9 failures.
      await orchestrator.redis.lpush(list, record('succeeded', 1_000));
      for (let i = 1; i <= 9; i += 1)
        await orchestrator.redis.lpush(list, record('failed', 1_000 + i));

      const streak = (await store.snapshot(pipeline, { readOnly: true })).state.get('gold');
      expect(streak?.failures).toBe(7); // counted as far as back-off needs, not stopped at 5
      expect(streak?.lastFailedAt).toBe(1_009);

      // Success at the 6th newest: a streak of 5, read from the 5 newest alone.
      await orchestrator.redis.lset(list, 5, record('succeeded', 1_004));
      expect((await store.snapshot(pipeline, { readOnly: true })).state.get('gold')?.failures).toBe(
        5,
      );
    });
  });
}
