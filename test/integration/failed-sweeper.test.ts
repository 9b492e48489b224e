import { UnrecoverableError, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepFailedJobs } from '../../src/jobs/failed-sweeper.ts';
import type { Orchestrator } from '../../src/jobs/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, diamondGraphYaml, type Sandbox } from './orchestrator-harness.ts';

const ASSETS = 150;
const TWO_HOURS_MS = 2 * 3_600_000;

describe('failed-job sweeper', () => {
  let sandbox: Sandbox;

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    await sandbox.cleanup();
  });

  /**
   * A run of ASSETS independent assets whose jobs BullMQ failed without a Strata processor
   * recording it (as when a job stalls too often), every one of them with the same finish time
   * two hours ago (one stall check fails many jobs with one timestamp).
   */
  async function runFailedLongAgo(): Promise<{ orchestrator: Orchestrator; runId: string }> {
    const orchestrator = await sandbox.connect(diamondGraphYaml(ASSETS, { width: ASSETS }));
    const { runId } = await orchestrator.submit({ selection: '*' });
    const failing = new Worker(
      sandbox.settings.queueName,
      () => Promise.reject(new UnrecoverableError('job stalled more than allowable limit')),
      { connection: orchestrator.redis.duplicate(), prefix: sandbox.settings.queuePrefix },
    );
    const failedSet = orchestrator.queue.queue.keys.failed!;
    try {
      await waitFor('every job failed', async () =>
        (await orchestrator.redis.zcard(failedSet)) === ASSETS ? true : undefined,
      );
    } finally {
      await failing.close();
    }
    const ids = await orchestrator.redis.zrange(failedSet, 0, -1);
    const longAgo = Date.now() - TWO_HOURS_MS;
    await orchestrator.redis.zadd(failedSet, 'XX', ...ids.flatMap((id) => [longAgo, id]));
    const run = await orchestrator.runs.get(runId);
    expect(run?.assetStates.every((a) => a.state === 'queued')).toBe(true);
    return { orchestrator, runId };
  }

  it('a starting worker closes runs whose jobs failed two hours before it started', async () => {
    const { orchestrator, runId } = await runFailedLongAgo();
    await sandbox.startWorker(orchestrator.pipeline);

    const run = await waitFor('the run closed by the sweeper', async () => {
      const r = await orchestrator.runs.get(runId);
      return r?.status === 'failed' ? r : undefined;
    });
    expect(run.assetStates).toHaveLength(ASSETS);
    expect(run.assetStates.filter((a) => a.state !== 'failed')).toEqual([]);
  });

  it('pages by (finish time, job id): ties beyond one batch, no repeats, new failures once settled', async () => {
    const { orchestrator, runId } = await runFailedLongAgo();
    const sweep = (now = Date.now()) =>
      sweepFailedJobs({
        queue: orchestrator.queue.queue,
        redis: orchestrator.redis,
        keys: orchestrator.keys,
        runs: orchestrator.runs,
        workerId: 'test-sweeper',
        now,
      });

    expect(await sweep()).toBe(100);
    expect(await sweep()).toBe(ASSETS - 100);
    expect(await sweep()).toBe(0);
    const run = await orchestrator.runs.get(runId);
    expect(run?.status).toBe('failed');
    expect(run?.assetStates.filter((a) => a.state !== 'failed')).toEqual([]);

    // A failure newer than the cursor is swept once it is older than the settle time.
    const failedSet = orchestrator.queue.queue.keys.failed!;
    const recent = Date.now();
    await orchestrator.redis.zadd(failedSet, recent, `${runId}.late`);
    expect(await sweep(recent)).toBe(0);
    expect(await sweep(recent + 60_000)).toBe(1);
    expect(await sweep(recent + 60_000)).toBe(0);
  });
});
