/**
 * Issue 11: "A worker cut off from Redis keeps working after its lease expired." One worker
 * reaches Redis through a TCP proxy that is cut mid-materialization (a black hole: bytes vanish,
 * nothing is refused or reset, so commands wait instead of failing); another worker reaches
 * Redis directly. The cut-off worker must abort its materializer before its lease can expire,
 * and the other must take the asset over after the expiry and finish the run.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serviceSettings } from '../../src/shared/settings.ts';
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

/** A TCP proxy to Redis that can be cut: afterwards every byte either way is dropped. */
interface RedisProxy {
  url: string;
  cut(): void;
  close(): Promise<void>;
}

async function redisProxy(): Promise<RedisProxy> {
  const target = new URL(serviceSettings().redisUrl);
  const sockets = new Set<Socket>();
  let cut = false;
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (cut) return; // accepted, never answered
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => upstream.destroy());
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (!cut) to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut: () => {
      cut = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

describe('a worker cut off from Redis mid-materialization', () => {
  let sandbox: Sandbox;
  let proxy: RedisProxy | undefined;

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
    proxy = await redisProxy();
    const file = sandbox.writeConfig(YAML);
    const cutOff = sandbox.spawnWorker(file, { env: { REDIS_URL: proxy.url } });
    await cutOff.ready;
    const orchestrator = await sandbox.connect(YAML);
    const { runId } = await orchestrator.submit({ selection: 'slow' });
    await waitFor(
      'slow running on the proxied worker',
      async () => (await orchestrator.runs.assetState(runId, 'slow')) === 'running',
    );
    const other = sandbox.spawnWorker(file);
    await other.ready;

    proxy.cut();
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
