/**
 * Issue 11: "Redis restarts mid-run". The other tests share the developer's Redis, which must
 * not be restarted; this one starts a Redis of its own through the stack API (own port, own
 * state folder, AOF on as the stack starts it), stops it while a run is materializing, starts
 * it again on the same data, and checks that worker processes, the CLI following the run and
 * the server carried on by themselves, and that no asset materialized twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Orchestrator } from '../../src/jobs/index.ts';
import {
  resolveStackConfig,
  stackDown,
  stackStatus,
  stackUp,
  type StackConfig,
} from '../../src/stack/index.ts';
import { spawnStrata, type StrataProcess } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

/** A chain long enough that the restart falls in the middle of the run. */
const ASSETS = ['a1', 'a2', 'a3', 'a4', 'a5'];
const YAML = [
  'version: 1',
  'runs:',
  '  retries: 2',
  'assets:',
  ...ASSETS.flatMap((key, i) => [
    `  ${key}:`,
    '    kind: noop',
    '    sleep: 1500ms',
    ...(i > 0 ? [`    deps: [${ASSETS[i - 1]}]`] : []),
  ]),
  '',
].join('\n');

let stack: StackConfig | undefined;
let redisUrl: string;

const loaded = Date.now();
const progress = (message: string): void => {
  const at = ((Date.now() - loaded) / 1000).toFixed(1);
  process.stderr.write(`[test redis +${at}s] ${message}\n`);
};

beforeAll(async () => {
  const port = await freePort();
  redisUrl = `redis://127.0.0.1:${port}`;
  // A folder per run: its own AOF, its own pid file, so nothing here touches the shared Redis.
  const stateDir = await mkdtemp(path.join(tmpdir(), 'strata-test-redis-'));
  stack = resolveStackConfig({ ...process.env, REDIS_URL: redisUrl, STRATA_STACK_DIR: stateDir });
  await stackUp({ services: ['redis'], config: stack, onProgress: progress });
}, 120_000);

afterAll(async () => {
  if (stack === undefined) return;
  await stackDown({ services: ['redis'], config: stack, onProgress: progress });
  await rm(stack.stateDir, { recursive: true, force: true });
}, 60_000);

describe('Redis restarted mid-run (dedicated redis-server with AOF)', () => {
  let sandbox: Sandbox;
  const processes: StrataProcess[] = [];
  let orchestrator: Orchestrator | undefined;

  afterEach(async () => {
    for (const p of processes.splice(0))
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await orchestrator?.close();
    await sandbox.cleanup();
  });

  it('workers, the CLI following the run and the server reconnect; the run completes; no asset runs twice', async () => {
    // Leases and job locks outlive a restart (as the 30 s defaults do); the stall check is
    // quick so that a job whose lock was really lost would be seen, and would show below.
    sandbox = createSandbox({
      STRATA_LEASE_TTL_MS: '15000',
      STRATA_LOCK_DURATION_MS: '15000',
      STRATA_STALLED_INTERVAL_MS: '1000',
    });
    const env = { ...sandbox.env, REDIS_URL: redisUrl, STRATA_LOG_LEVEL: 'info' };
    const file = sandbox.writeConfig(YAML);
    const workers = [0, 1].map(() => sandbox.spawnWorker(file, { env }));
    await Promise.all(workers.map((w) => w.ready));
    const server = spawnStrata(['-c', file, 'serve', '--port', '0'], env);
    processes.push(server);
    const url = await waitFor(
      'the server listening',
      () => /listening on (http:\/\/\S+)/.exec(server.stdout())?.[1],
    );
    const follow = spawnStrata(['-c', file, 'materialize', '*', '--wait'], env);
    processes.push(follow);

    orchestrator = await Orchestrator.connect(sandbox.pipeline(YAML), {
      redisUrl,
      settings: sandbox.settings,
    });
    const runs = orchestrator.runs;
    const runId = await waitFor('the run', async () => (await runs.list(1))[0]?.id);
    await waitFor('a2 running', async () => (await runs.assetState(runId, 'a2')) === 'running');

    await orchestrator.close();
    await stackDown({ services: ['redis'], config: stack!, onProgress: progress });
    expect((await stackStatus({ services: ['redis'], config: stack! }))[0]?.state).toBe('stopped');
    // While Redis is down the server says so instead of hanging, and nobody exits.
    const down = await fetch(`${url}/healthz`);
    expect(down.status).toBe(503);
    expect([follow, ...workers].map((p) => p.child.exitCode)).toEqual([null, null, null]);
    await stackUp({ services: ['redis'], config: stack!, onProgress: progress });

    const code = await Promise.race([
      follow.exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 120_000).unref()),
    ]);
    expect(code, follow.output()).toBe(0);
    expect(follow.stdout()).toMatch(/succeeded/);

    orchestrator = await Orchestrator.connect(sandbox.pipeline(YAML), {
      redisUrl,
      settings: sandbox.settings,
    });
    const run = await orchestrator.runs.get(runId);
    expect(run?.status).toBe('succeeded');
    // Exactly one start and one materialization per asset: nothing ran twice, at the same time
    // or one after the other.
    const events = await orchestrator.runs.events(runId, '0');
    for (const asset of ASSETS) {
      const starts = events.filter((e) => e.type === 'asset_started' && e.asset === asset);
      expect(starts, `${asset} started once`).toHaveLength(1);
      expect(
        await orchestrator.redis.llen(orchestrator.keys.materializations(asset)),
        `${asset} materialized once`,
      ).toBe(1);
    }
    // The server reconnected by itself.
    await waitFor('the server healthy again', async () => (await fetch(`${url}/healthz`)).ok);
    const served = (await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string };
    expect(served.status).toBe('succeeded');
    expect([...workers, server].map((p) => p.child.exitCode)).toEqual([null, null, null]);
  }, 240_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
