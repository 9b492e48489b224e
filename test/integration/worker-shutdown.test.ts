import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

const YAML = `version: 1
assets:
  slow:
    kind: noop
    sleep: 4s
`;

describe('strata worker on SIGTERM', () => {
  let sandbox: Sandbox;

  beforeEach(() => {
    sandbox = createSandbox({ STRATA_SHUTDOWN_GRACE_MS: '500' });
  });

  afterEach(async () => {
    await sandbox.cleanup();
  });

  it('stops taking work, hands the running job back after the grace time, and exits 0; another worker finishes it', async () => {
    const file = sandbox.writeConfig(YAML);
    const first = sandbox.spawnWorker(file);
    await first.ready;
    const orchestrator = await sandbox.connect(YAML);

    const { runId } = await orchestrator.submit({ selection: 'slow' });
    const events: string[] = [];
    let second: ReturnType<Sandbox['spawnWorker']> | undefined;
    const run = await orchestrator.waitForRun(runId, {
      noWorkerTimeoutMs: 10_000,
      onEvent: (event) => {
        events.push(`${event.type} ${event.asset ?? ''}`.trim());
        if (event.type === 'asset_started' && !second) {
          first.child.kill('SIGTERM');
          // The replacement comes up while the first is stopping; it must wait for the hand-back.
          second = sandbox.spawnWorker(file);
        }
      },
    });

    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('grace time over: handing running jobs back');
    expect(first.output()).toContain('worker stopped');
    expect(events).toContain('asset_handed_back slow');
    expect(run.status).toBe('succeeded');
    const [record] = await orchestrator.events.materializations('slow');
    expect(record?.worker.split(':')[1]).toBe(String(second?.child.pid));
  });
});
