/**
 * Issue 11: "A worker cut off from Redis keeps working after its lease expired." One worker
 * reaches Redis through a TCP proxy that is cut mid-materialization (a black hole: bytes vanish,
 * nothing is refused or reset, so commands wait instead of failing); another worker reaches
 * Redis directly. The cut-off worker must abort its materializer before its lease can expire,
 * and the other must take the asset over after the expiry and finish the run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceSettings } from '../../src/shared/settings.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

const YAML = `version: 1
runs:
  retries: 3
assets:
  slow:
    kind: noop
    sleep: 6s
`;

const LEASE_TTL_MS = 3_000;

describe('a worker cut off from Redis mid-materialization', () => {
  let sandbox: Sandbox;
  let proxy: TcpProxy | undefined;

  beforeEach(() => {
    sandbox = createSandbox({
      STRATA_LEASE_TTL_MS: String(LEASE_TTL_MS),
      STRATA_LOCK_DURATION_MS: String(LEASE_TTL_MS),
      STRATA_STALLED_INTERVAL_MS: '500',
    });
  });

  afterEach(async () => {
    await sandbox.cleanup();
    await proxy?.close();
  });

  it('aborts its materializer before its lease can expire; the other worker takes over after the expiry', async () => {
    // Cut as a black hole: bytes vanish, nothing is refused or reset, so commands wait.
    proxy = await TcpProxy.start(serviceSettings().redisUrl);
    const file = sandbox.writeConfig(YAML);
    const cutOff = sandbox.spawnWorker(file, {
      env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    });
    await cutOff.ready;
    const orchestrator = await sandbox.connect(YAML);
    const { runId } = await orchestrator.submit({ selection: 'slow' });
    await waitFor(
      'slow running on the proxied worker',
      async () => (await orchestrator.runs.assetState(runId, 'slow')) === 'running',
    );
    const other = sandbox.spawnWorker(file);
    await other.ready;

    proxy.freeze();
    const cutAt = Date.now();
    const aborted = await waitFor(
      'the cut-off worker aborting',
      () => abortLine(cutOff.output()),
      LEASE_TTL_MS * 5,
    );

    const run = await orchestrator.waitForRun(runId, { noWorkerTimeoutMs: 30_000 });
    expect(run.status).toBe('succeeded');
    const intervals = await orchestrator.leases.intervals('slow');
    expect(intervals).toHaveLength(2);
    const [first, second] = intervals as [(typeof intervals)[0], (typeof intervals)[0]];
    // The cut-off worker's lease was never released: it expired, and only then did the other
    // worker's start.
    expect(first.token.split(':')[1]).toBe(String(cutOff.child.pid));
    expect(first.released).toBe(false);
    expect(second.token.split(':')[1]).toBe(String(other.child.pid));
    expect(second.start).toBeGreaterThanOrEqual(first.end);
    // It stopped working before the lease it could no longer prove ran out.
    expect(aborted.time).toBeGreaterThanOrEqual(cutAt);
    expect(aborted.time).toBeLessThan(first.end);
    expect(aborted.reason).toMatch(/lease not proven for \d+ ms/);
    // Its materialization was never recorded; the run's is the other worker's.
    const materializations = await orchestrator.events.materializations('slow', 10);
    expect(materializations.map((m) => m.worker.split(':')[1])).toEqual([String(other.child.pid)]);
  }, 90_000);
});

/** The worker's pino line announcing the abort: its time and reason. */
function abortLine(output: string): { time: number; reason: string } | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('lease lost: aborting the materialization')) continue;
    const entry = JSON.parse(line) as { time: number | string; reason: string };
    return { time: new Date(entry.time).getTime(), reason: entry.reason };
  }
  return undefined;
}
