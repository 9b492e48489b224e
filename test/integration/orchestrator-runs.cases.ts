import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssetSpec } from '../../src/config/types.ts';
import {
  defaultMaterializers,
  type MaterializerRegistry,
} from '../../src/assets/materializers/index.ts';
import type { MaterializeContext } from '../../src/assets/materializers/types.ts';
import { NoWorkerError, type RunRecord, type WorkerObserver } from '../../src/jobs/index.ts';
import { WorkFailedError } from '../../src/shared/errors.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';
import type { RedisTarget } from '../helpers/redis-target.ts';

type NoopAsset = Extract<AssetSpec, { kind: 'noop' }>;

const DIAMOND = `version: 1
runs:
  retries: 0
assets:
  top:
    kind: noop
  left:
    kind: noop
    deps: [top]
    sleep: 50ms
  right:
    kind: noop
    deps: [top]
  bottom:
    kind: noop
    deps: [left, right]
  after:
    kind: noop
    deps: [bottom]
`;

/** Noop materializers where the named assets throw, to exercise failure paths. */
function failing(
  keys: Record<string, (attempt: number) => Error | undefined>,
): MaterializerRegistry {
  const attempts = new Map<string, number>();
  return {
    ...defaultMaterializers,
    noop: {
      ...defaultMaterializers.noop,
      async materialize(context: MaterializeContext<NoopAsset>) {
        const attempt = (attempts.get(context.asset.key) ?? 0) + 1;
        attempts.set(context.asset.key, attempt);
        const error = keys[context.asset.key]?.(attempt);
        if (error) throw error;
        return defaultMaterializers.noop.materialize(context);
      },
    },
  };
}

/** The suite, against single Redis (integration) or a Redis Cluster (topologies). */
export function describeOrchestratorRuns(target: RedisTarget): void {
  describe(`runs on in-process workers (real BullMQ, ${target.name})`, () => {
    let sandbox: Sandbox;

    beforeEach(() => {
      sandbox = createSandbox({}, target);
    });

    afterEach(async () => {
      await sandbox.cleanup();
    });

    async function setUp(
      yaml: string,
      options: {
        workers?: number;
        concurrency?: number;
        materializers?: MaterializerRegistry;
        observer?: WorkerObserver;
      } = {},
    ) {
      const pipeline = sandbox.pipeline(yaml);
      const orchestrator = await sandbox.connect(pipeline);
      for (let i = 0; i < (options.workers ?? 1); i++) {
        await sandbox.startWorker(pipeline, {
          concurrency: options.concurrency ?? 2,
          materializers: options.materializers,
          observer: options.observer,
        });
      }
      return { pipeline, orchestrator };
    }

    function states(run: RunRecord): Record<string, string> {
      return Object.fromEntries(run.assetStates.map((a) => [a.key, a.state]));
    }

    it('runs a diamond: every asset once, each after all of its upstream assets ended', async () => {
      const observed: string[] = [];
      const observer: WorkerObserver = {
        assetFinished: (record) => observed.push(`${record.asset} ${record.status}`),
        runFinished: (r) => observed.push(`run ${r.trigger} ${r.status}`),
      };
      const { orchestrator, pipeline } = await setUp(DIAMOND, { workers: 2, observer });
      const { runId } = await orchestrator.submit({ selection: '*' });
      const run = await orchestrator.waitForRun(runId);
      await waitFor('the observer to hear of the run end', () => observed.length === 6, 5_000, 50);
      expect(observed.sort()).toEqual([
        'after succeeded',
        'bottom succeeded',
        'left succeeded',
        'right succeeded',
        'run manual succeeded',
        'top succeeded',
      ]);

      expect(run.status).toBe('succeeded');
      expect(states(run)).toEqual({
        top: 'succeeded',
        left: 'succeeded',
        right: 'succeeded',
        bottom: 'succeeded',
        after: 'succeeded',
      });
      const records = new Map<string, { startedAt: number; endedAt: number }>();
      for (const key of pipeline.graph.order) {
        const mats = await orchestrator.events.materializations(key);
        expect(mats.filter((m) => m.runId === runId)).toHaveLength(1);
        records.set(key, mats[0]!);
      }
      for (const key of pipeline.graph.order) {
        for (const dep of pipeline.graph.depsOf(key)) {
          expect(records.get(key)!.startedAt).toBeGreaterThanOrEqual(records.get(dep)!.endedAt);
        }
      }
    });

    it('skips (never succeeds) everything downstream of a failed asset, fails the run, and blocks the asset', async () => {
      const materializers = failing({ left: () => new WorkFailedError('left broke') });
      const { orchestrator } = await setUp(DIAMOND, { materializers });
      const { runId } = await orchestrator.submit({ selection: '*' });
      const run = await orchestrator.waitForRun(runId);

      expect(run.status).toBe('failed');
      expect(states(run)).toEqual({
        top: 'succeeded',
        left: 'failed',
        right: 'succeeded',
        bottom: 'skipped',
        after: 'skipped',
      });
      expect(run.assetStates.find((a) => a.key === 'left')?.info.error).toBe('left broke');
      expect(await orchestrator.events.materializations('bottom')).toEqual([]);
      expect(await orchestrator.events.isBlocked('left')).toBe(true);
      expect(await orchestrator.events.blockedAssets(['top', 'left', 'right'])).toEqual(
        new Map([['left', 'left broke']]),
      );
    });

    it('clears the blocked flag when a later materialization passes', async () => {
      const materializers = failing({
        right: (attempt) => (attempt === 1 ? new WorkFailedError('bad data') : undefined),
      });
      const { orchestrator } = await setUp(DIAMOND, { materializers });
      const first = await orchestrator.waitForRun(
        (await orchestrator.submit({ selection: 'right' })).runId,
      );
      expect(first.status).toBe('failed');
      expect(await orchestrator.events.isBlocked('right')).toBe(true);

      const second = await orchestrator.waitForRun(
        (await orchestrator.submit({ selection: 'right' })).runId,
      );
      expect(second.status).toBe('succeeded');
      expect(await orchestrator.events.isBlocked('right')).toBe(false);
    });

    it('retries a transient failure with backoff and records the attempt that succeeded', async () => {
      const yaml = DIAMOND.replace('retries: 0', 'retries: 2');
      const materializers = failing({
        right: (attempt) => (attempt < 3 ? new Error(`flaky ${attempt}`) : undefined),
      });
      const { orchestrator } = await setUp(yaml, { materializers });
      const events: string[] = [];
      const { runId } = await orchestrator.submit({ selection: 'right' });
      const run = await orchestrator.waitForRun(runId, { onEvent: (e) => events.push(e.type) });

      expect(run.status).toBe('succeeded');
      expect(events.filter((e) => e === 'asset_retrying')).toHaveLength(2);
      const [record] = await orchestrator.events.materializations('right');
      expect(record).toMatchObject({ status: 'succeeded', attempt: 3 });
    });

    it('fails the asset when retries run out, with the last error', async () => {
      const yaml = DIAMOND.replace('retries: 0', 'retries: 1');
      const materializers = failing({ top: (attempt) => new Error(`down ${attempt}`) });
      const { orchestrator } = await setUp(yaml, { materializers });
      const run = await orchestrator.waitForRun(
        (await orchestrator.submit({ selection: 'top+' })).runId,
      );

      expect(run.status).toBe('failed');
      expect(run.assetStates.find((a) => a.key === 'top')?.info).toMatchObject({
        attempt: 2,
        error: 'down 2',
      });
      expect(run.assetStates.filter((a) => a.state === 'skipped')).toHaveLength(4);
    });

    it('fails an asset whose error-severity check fails, and records every check', async () => {
      const yaml = `${DIAMOND}    checks:
      - name: must_be_fresh
        type: freshness
        severity: error
      - name: nice_to_have_rows
        type: row_count
        min: 1
        severity: warn
    freshness:
      failAfter: 1h
`.replace('retries: 0', 'retries: 3');
      // `after` gets the checks (it is last in DIAMOND). Its data time is its inputs' oldest, which
      // a materializer reports as two hours old here.
      const materializers: MaterializerRegistry = {
        ...defaultMaterializers,
        noop: {
          ...defaultMaterializers.noop,
          materialize: () =>
            Promise.resolve({ dataTime: Date.now() - 2 * 3_600_000, metadata: {}, checks: [] }),
        },
      };
      const { orchestrator } = await setUp(yaml, { materializers });
      const run = await orchestrator.waitForRun(
        (await orchestrator.submit({ selection: 'after' })).runId,
      );

      expect(run.status).toBe('failed');
      const after = run.assetStates.find((a) => a.key === 'after');
      expect(after?.info.error).toMatch(
        /^checks failed: must_be_fresh \(past its fail window: data is 2h old\)$/,
      );
      expect(after?.info.attempt).toBe(1);
      const [record] = await orchestrator.events.materializations('after');
      expect(record?.checks.map((c) => [c.name, c.status])).toEqual([
        ['must_be_fresh', 'failed'],
        ['nice_to_have_rows', 'warned'],
      ]);
    });

    it('cancels what has not started, aborts the running asset, and the run ends cancelled', async () => {
      // Only an abort ends the running asset within the test's time.
      const yaml = DIAMOND.replace('kind: noop\n  left:', 'kind: noop\n    sleep: 10m\n  left:');
      const { orchestrator } = await setUp(yaml);
      const { runId } = await orchestrator.submit({ selection: '*' });
      const started = new Promise<void>((resolve) => {
        void orchestrator.waitForRun(runId, {
          onEvent: (e) => e.type === 'asset_started' && resolve(),
        });
      });
      await started;
      expect(await orchestrator.runs.cancel(runId)).toBe('running');
      const run = await orchestrator.waitForRun(runId);

      expect(run.status).toBe('cancelled');
      expect(states(run)).toEqual({
        top: 'cancelled',
        left: 'cancelled',
        right: 'cancelled',
        bottom: 'cancelled',
        after: 'cancelled',
      });
    });

    it('keeps runs and materializations within runs.retainPerAsset', async () => {
      const yaml = DIAMOND.replace('runs:\n', 'runs:\n  retainPerAsset: 2\n');
      const { orchestrator } = await setUp(yaml);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { runId } = await orchestrator.submit({ selection: 'top' });
        ids.push(runId);
        await orchestrator.waitForRun(runId);
      }
      expect((await orchestrator.events.materializations('top', 10)).map((m) => m.runId)).toEqual([
        ids[3],
        ids[2],
      ]);
      expect((await orchestrator.runs.list(10)).map((r) => r.id)).toEqual([ids[3], ids[2]]);
      expect(await orchestrator.runs.get(ids[0]!)).toBeUndefined();
      expect(await orchestrator.redis.exists(orchestrator.keys.runEvents(ids[0]!))).toBe(0);
    });

    it('says that no worker is running instead of waiting forever', async () => {
      const { orchestrator } = await setUp(DIAMOND, { workers: 0 });
      const { runId } = await orchestrator.submit({ selection: 'top' });
      await expect(orchestrator.waitForRun(runId, { noWorkerTimeoutMs: 1_500 })).rejects.toThrow(
        NoWorkerError,
      );
      await expect(orchestrator.waitForRun(runId, { noWorkerTimeoutMs: 1_500 })).rejects.toThrow(
        /no worker is running.*strata worker.*--inline/,
      );
    });

    it('hands a running job back on shutdown after the grace time; another worker finishes it', async () => {
      await sandbox.cleanup();
      sandbox = createSandbox({ STRATA_SHUTDOWN_GRACE_MS: '300' }, target);
      const yaml = DIAMOND.replace('kind: noop\n  left:', 'kind: noop\n    sleep: 3s\n  left:');
      const pipeline = sandbox.pipeline(yaml);
      const orchestrator = await sandbox.connect(pipeline);
      const first = await sandbox.startWorker(pipeline);

      const events: string[] = [];
      const { runId } = await orchestrator.submit({ selection: 'top' });
      const done = orchestrator.waitForRun(runId, { onEvent: (e) => events.push(e.type) });
      while (!events.includes('asset_started')) await new Promise((r) => setTimeout(r, 20));
      await first.close();
      expect(first.state).toBe('stopped');
      expect(events).toContain('asset_handed_back');

      const second = await sandbox.startWorker(pipeline);
      const run = await done;
      expect(run.status).toBe('succeeded');
      const [record] = await orchestrator.events.materializations('top');
      expect(record?.worker).toBe(second.id);
      const intervals = await orchestrator.leases.intervals('top');
      expect(intervals).toHaveLength(2);
      expect(intervals[1]!.start).toBeGreaterThanOrEqual(intervals[0]!.end);
    });
  });
}
