import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { createSandbox, diamondGraphYaml, type Sandbox } from './orchestrator-harness.ts';
import type { RedisTarget } from '../helpers/redis-target.ts';

/** The suite, against single Redis (integration) or a Redis Cluster (topologies). */
export function describeOrchestratorProcesses(target: RedisTarget): void {
  describe(`runs across worker processes (${target.name})`, () => {
    let sandbox: Sandbox;

    beforeEach(() => {
      sandbox = createSandbox({}, target);
    });

    afterEach(async () => {
      await sandbox.cleanup();
    });

    it('runs 200 no-op assets with diamonds on three worker processes: each exactly once, never before its upstream', async () => {
      const yaml = diamondGraphYaml(200, { width: 10 });
      const file = sandbox.writeConfig(yaml);
      const pipeline = sandbox.pipeline(yaml);
      const workers = [0, 1, 2].map(() => sandbox.spawnWorker(file, { concurrency: 4 }));
      await Promise.all(workers.map((w) => w.ready));

      const orchestrator = await sandbox.connect(pipeline);
      const { runId, assets } = await orchestrator.submit({ selection: '*' });
      expect(assets).toHaveLength(200);
      const run = await orchestrator.waitForRun(runId, { noWorkerTimeoutMs: 10_000 });
      expect(run.status).toBe('succeeded');

      const records = new Map<string, { startedAt: number; endedAt: number; worker: string }>();
      for (const key of assets) {
        const mats = (await orchestrator.events.materializations(key, 10)).filter(
          (m) => m.runId === runId,
        );
        expect(mats, key).toHaveLength(1);
        records.set(key, mats[0]!);
      }
      let edges = 0;
      for (const key of assets) {
        for (const dep of pipeline.graph.depsOf(key)) {
          expect(
            records.get(key)!.startedAt,
            `${key} started before ${dep} ended`,
          ).toBeGreaterThanOrEqual(records.get(dep)!.endedAt);
          edges++;
        }
      }
      expect(edges).toBe(190 * 2);
      // The work really was spread over the processes, not done by one of them.
      expect(
        new Set([...records.values()].map((r) => r.worker.split(':')[1])).size,
      ).toBeGreaterThanOrEqual(2);
    });

    it('two materialize requests for the same asset at once: both run, the second waits for the lease of the first', async () => {
      const yaml = `version: 1
assets:
  slow:
    kind: noop
    sleep: 1500ms
`;
      const file = sandbox.writeConfig(yaml);
      const worker = sandbox.spawnWorker(file, { concurrency: 2 });
      await worker.ready;

      const [first, second] = await Promise.all([
        runCli(['-c', file, 'materialize', 'slow', '--wait'], { env: sandbox.env }),
        runCli(['-c', file, 'materialize', 'slow', '--wait'], { env: sandbox.env }),
      ]);
      expect(first.code, first.stderr).toBe(0);
      expect(second.code, second.stderr).toBe(0);

      const orchestrator = await sandbox.connect(yaml);
      const mats = (await orchestrator.events.materializations('slow')).reverse();
      expect(mats).toHaveLength(2);
      expect(new Set(mats.map((m) => m.runId)).size).toBe(2);
      expect(mats[1]!.startedAt).toBeGreaterThanOrEqual(mats[0]!.endedAt);
      const intervals = await orchestrator.leases.intervals('slow');
      expect(intervals).toHaveLength(2);
      expect(intervals[1]!.start).toBeGreaterThanOrEqual(intervals[0]!.end);
      // The job that waited said why in its run's progress, and was not failed for it.
      expect(`${first.stdout}${second.stdout}`).toContain(
        'slow: waiting (another materialization of the asset holds its lease)',
      );
      const runs = await orchestrator.runs.list(10);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    });
  });
}
