import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox, type WorkerProcess } from './orchestrator-harness.ts';
import type { RedisTarget } from '../helpers/redis-target.ts';

const YAML = `version: 1
assets:
  first:
    kind: noop
  slow:
    kind: noop
    deps: [first]
    sleep: 2s
  last:
    kind: noop
    deps: [slow]
`;

/** The suite, against single Redis (integration) or a Redis Cluster (topologies). */
export function describeWorkerSigkill(target: RedisTarget): void {
  describe(`a worker SIGKILLed or stalled mid-materialization (${target.name})`, () => {
    let sandbox: Sandbox;

    beforeEach(() => {
      // Lease 1.5 s, job lock 1.5 s, stalled check every 0.5 s: the dead worker's job is back in
      // the queue within about two seconds.
      sandbox = createSandbox({}, target);
    });

    afterEach(async () => {
      await sandbox.cleanup();
    });

    /** Three worker processes (concurrency 2 each), and a run of every asset submitted to them. */
    async function runOnThreeWorkers() {
      const file = sandbox.writeConfig(YAML);
      const workers = [0, 1, 2].map(() => sandbox.spawnWorker(file, { concurrency: 2 }));
      await Promise.all(workers.map((w) => w.ready));
      const orchestrator = await sandbox.connect(YAML);
      const { runId } = await orchestrator.submit({ selection: '*' });
      return { workers, orchestrator, runId };
    }

    it('the run completes on the other workers, and the asset never ran twice at once (lease intervals)', async () => {
      const { workers, orchestrator, runId } = await runOnThreeWorkers();
      let victim: WorkerProcess | undefined;
      const events: string[] = [];
      const run = await orchestrator.waitForRun(runId, {
        noWorkerTimeoutMs: 10_000,
        onEvent: (event) => {
          events.push(`${event.type} ${event.asset ?? ''}`);
          if (victim || event.type !== 'asset_started' || event.asset !== 'slow') return;
          const pid = Number(String(event.detail.worker).split(':')[1]);
          victim = workers.find((w) => w.child.pid === pid);
          victim?.child.kill('SIGKILL');
        },
      });

      expect(victim, 'the worker running slow was found and killed').toBeDefined();
      expect(await victim!.exited).toBeNull();
      expect(victim!.child.signalCode).toBe('SIGKILL');
      expect(run.status).toBe('succeeded');
      expect(run.assetStates.map((a) => a.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);

      // The killed attempt recorded nothing; the one materialization came from a surviving worker.
      const mats = (await orchestrator.events.materializations('slow')).filter(
        (m) => m.runId === runId,
      );
      expect(mats).toHaveLength(1);
      expect(mats[0]!.worker.split(':')[1]).not.toBe(String(victim!.child.pid));

      // Proof of mutual exclusion from Redis's own record: the killed holder's lease was never
      // released, it expired; the next lease began at or after that expiry.
      const intervals = await orchestrator.leases.intervals('slow');
      expect(intervals.length).toBeGreaterThanOrEqual(2);
      expect(intervals[0]!.released).toBe(false);
      expect(intervals[0]!.token.split(':')[1]).toBe(String(victim!.child.pid));
      expect(intervals.at(-1)!.released).toBe(true);
      for (let i = 1; i < intervals.length; i++) {
        expect(intervals[i]!.fence).toBe(intervals[i - 1]!.fence + 1);
        expect(
          intervals[i]!.start,
          `lease ${i + 1} began before lease ${i} ended`,
        ).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
      }
      expect(mats[0]!.fence).toBe(intervals.at(-1)!.fence);
    });

    it('a worker that stalls (SIGSTOP) past its lease and wakes up mid-takeover records nothing (fencing)', async () => {
      const { workers, orchestrator, runId } = await runOnThreeWorkers();
      let victim: WorkerProcess | undefined;
      let resumed = false;
      let outputAtResume = 0;
      const run = await orchestrator.waitForRun(runId, {
        noWorkerTimeoutMs: 10_000,
        onEvent: (event) => {
          if (event.type !== 'asset_started' || event.asset !== 'slow') return;
          const pid = Number(String(event.detail.worker).split(':')[1]);
          if (!victim) {
            victim = workers.find((w) => w.child.pid === pid);
            victim?.child.kill('SIGSTOP');
          } else if (!resumed) {
            // Another worker took over the lease and is materializing now. Wake the stalled one:
            // its sleep is long over, so it tries to record its result while the asset is running.
            resumed = true;
            outputAtResume = victim.output().length;
            victim.child.kill('SIGCONT');
          }
        },
      });
      expect(victim).toBeDefined();
      expect(resumed).toBe(true);
      // The woken worker tried to finish its stale attempt and was refused (its lease renewal or
      // its result write fenced, or BullMQ's lock gone): only once it has is "it recorded nothing"
      // worth checking.
      await waitFor(
        'the woken worker to fail its stale attempt',
        () =>
          /lost the lease of slow|"msg":"job failed"|"msg":"worker error"/.test(
            victim!.output().slice(outputAtResume),
          ),
        60_000,
      );
      expect(run.status).toBe('succeeded');

      const mats = (await orchestrator.events.materializations('slow')).filter(
        (m) => m.runId === runId,
      );
      expect(mats).toHaveLength(1);
      expect(mats[0]!.worker.split(':')[1]).not.toBe(String(victim!.child.pid));
      const intervals = await orchestrator.leases.intervals('slow');
      expect(intervals[0]!.token.split(':')[1]).toBe(String(victim!.child.pid));
      expect(intervals[0]!.released).toBe(false);
      for (let i = 1; i < intervals.length; i++) {
        expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
      }
      expect(mats[0]!.fence).toBe(intervals.at(-1)!.fence);
      expect(victim!.child.exitCode).toBeNull();
    });
  });
}
