import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/jobs/index.ts';
import { SchedulerKeys } from '../../src/scheduler/keys.ts';
import { spawnStrata, type StrataProcess } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

const CONFIG = `version: 1
scheduler: { debounce: 100ms, tick: 1s, leaseTtl: 2s }
assets:
  target: { kind: noop }
schedules:
  every_second:
    cron: '* * * * * *'
    select: target
`;

describe('strata scheduler processes: one leader, every tick once, across a killed leader', () => {
  let sandbox: Sandbox;
  const processes: StrataProcess[] = [];

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    for (const p of processes.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
    await sandbox.cleanup();
  });

  it('hands the lead over within the lease time when the leader is SIGKILLed, with no tick doubled or lost', async () => {
    const file = sandbox.writeConfig(CONFIG);
    const pipeline = sandbox.pipeline(CONFIG);
    const orchestrator = await sandbox.connect(pipeline);
    await sandbox.startWorker(pipeline, { concurrency: 4 });
    const env = { ...sandbox.env, STRATA_LOG_LEVEL: 'info' };
    for (let i = 0; i < 2; i++) processes.push(spawnStrata(['-c', file, 'scheduler'], env));

    const keys = new SchedulerKeys(sandbox.settings.keyPrefix);
    const leaderPid = async (): Promise<number | undefined> => {
      const token = await orchestrator.redis.get(keys.leader());
      const pid = /:(\d+)\//.exec(token ?? '')?.[1];
      return pid === undefined ? undefined : Number(pid);
    };
    const scheduled = async (): Promise<RunRecord[]> =>
      (await orchestrator.runs.list(1_000)).filter((r) => r.trigger === 'schedule');

    const first = await waitFor('a leader', leaderPid, 30_000);
    await waitFor('three scheduled runs', async () => (await scheduled()).length >= 3, 30_000);
    const leader = processes.find((p) => p.child.pid === first)!;
    const standby = processes.find((p) => p.child.pid !== first)!;
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;

    const second = await waitFor(
      'the standby to lead',
      async () => {
        const pid = await leaderPid();
        return pid !== undefined && pid !== first && pid;
      },
      15_000,
      50,
    );
    const handover = Date.now() - killedAt;
    expect(second).toBe(standby.child.pid);
    // Within the lease time (2 s), plus one renewal interval and the poll.
    expect(handover).toBeLessThan(2_000 + 1_000 + 500);

    const before = (await scheduled()).length;
    await waitFor(
      'three more scheduled runs',
      async () => (await scheduled()).length >= before + 3,
      30_000,
    );
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));

    // Every tick's run names its fire time; across the handover none is missing or twice.
    const fireTimes = (await scheduled())
      .map((r) => Date.parse(/tick of (\S+)$/.exec(r.reason ?? '')?.[1] ?? ''))
      .sort((a, b) => a - b);
    expect(fireTimes.every(Number.isFinite)).toBe(true);
    expect(new Set(fireTimes).size).toBe(fireTimes.length);
    for (let i = 1; i < fireTimes.length; i++)
      expect(fireTimes[i]! - fireTimes[i - 1]!).toBe(1_000);
    expect(standby.output()).toContain('this scheduler now leads');
  });
});
