import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recoverUnenqueuedRuns } from '../../src/jobs/run-recovery.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createSandbox, diamondGraphYaml, type Sandbox } from './orchestrator-harness.ts';

/** Two roots and a diamond below them. */
const YAML = diamondGraphYaml(6, { width: 2 });

describe('a run whose creator died before enqueuing it', () => {
  let sandbox: Sandbox;

  beforeEach(() => {
    sandbox = createSandbox({ STRATA_RUN_RECOVERY_GRACE_MS: '500' });
  });

  afterEach(async () => {
    await sandbox.cleanup();
  });

  /** How often each asset was materialized (its materialization records). */
  async function materializations(
    orchestrator: Awaited<ReturnType<Sandbox['connect']>>,
  ): Promise<number[]> {
    const keys = orchestrator.pipeline.graph.order;
    return Promise.all(
      keys.map((k) => orchestrator.redis.llen(orchestrator.keys.materializations(k))),
    );
  }

  it('is enqueued again by a worker after the grace time and completes; a submitted run runs once', async () => {
    const orchestrator = await sandbox.connect(YAML);
    const assets = orchestrator.pipeline.graph.order;
    // The creator's first step only: the run exists, its roots are marked queued, no job exists.
    const { runId: orphan, roots } = await orchestrator.runs.create(
      { selection: '*', trigger: 'manual', assets },
      orchestrator.pipeline.graph,
    );
    expect(roots).toEqual(['a0', 'a1']);
    expect(await orchestrator.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0 });

    await sandbox.startWorker(orchestrator.pipeline);
    const recovered = await orchestrator.waitForRun(orphan);
    expect(recovered.status).toBe('succeeded');

    // A run submitted normally, followed by a recovery pass that sees it still queued (no worker
    // picked it up yet): enqueuing again adds nothing, every asset materializes exactly once more.
    const { runId } = await orchestrator.submit({ selection: '*' });
    const again = await recoverUnenqueuedRuns({
      redis: orchestrator.redis,
      keys: orchestrator.keys,
      runs: orchestrator.runs,
      enqueue: (id, keys) =>
        orchestrator.queue.enqueue(
          id,
          keys.map((k) => ({ key: k, retries: 0 })),
        ),
      graceMs: 0,
      logger: createLogger('test-recovery', 'silent'),
      now: Date.now() + 1_000,
    });
    expect(again.filter((id) => id !== runId)).toEqual([]);
    expect((await orchestrator.waitForRun(runId)).status).toBe('succeeded');
    expect(await materializations(orchestrator)).toEqual(assets.map(() => 2));
  });

  it('is not touched before the grace time', async () => {
    const orchestrator = await sandbox.connect(YAML);
    const { runId } = await orchestrator.runs.create(
      { selection: '*', trigger: 'manual', assets: orchestrator.pipeline.graph.order },
      orchestrator.pipeline.graph,
    );
    const pass = (now: number) =>
      recoverUnenqueuedRuns({
        redis: orchestrator.redis,
        keys: orchestrator.keys,
        runs: orchestrator.runs,
        enqueue: (id, keys) =>
          orchestrator.queue.enqueue(
            id,
            keys.map((k) => ({ key: k, retries: 0 })),
          ),
        graceMs: 60_000,
        logger: createLogger('test-recovery', 'silent'),
        now,
      });
    expect(await pass(Date.now())).toEqual([]);
    expect(await orchestrator.queue.queue.getJobCounts()).toMatchObject({ waiting: 0 });
    expect(await pass(Date.now() + 61_000)).toEqual([runId]);
    expect(await orchestrator.queue.queue.getJobCounts()).toMatchObject({ waiting: 2 });
    // The cursor moved past it: a later pass leaves it to its jobs.
    expect(await pass(Date.now() + 120_000)).toEqual([]);
  });
});
