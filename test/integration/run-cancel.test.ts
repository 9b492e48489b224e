import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Orchestrator, RunRecord } from '../../src/jobs/index.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { createServeApp } from '../../src/server/serve-app.ts';
import { listen, type RunningServer } from '../../src/server/server.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { runCli } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

/** `slow` runs long enough that only an abort ends it within the test's timeout. */
const YAML = `version: 1
runs:
  retries: 0
assets:
  first:
    kind: noop
  slow:
    kind: noop
    deps: [first]
    sleep: 10m
  last:
    kind: noop
    deps: [slow]
`;

const TOKEN = 'a-test-token-of-32-characters-xx';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** An HTTP request with headers fetch() will not set (Host), as a rebinding page's would arrive. */
function send(
  server: RunningServer,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('cancelling a run (CLI and API)', () => {
  let sandbox: Sandbox;
  const servers: RunningServer[] = [];

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await sandbox.cleanup();
  });

  /** A run whose `slow` asset is materializing on an in-process worker. */
  async function runWithSlowAssetRunning(): Promise<{ orchestrator: Orchestrator; runId: string }> {
    const orchestrator = await sandbox.connect(YAML);
    await sandbox.startWorker(orchestrator.pipeline);
    const { runId } = await orchestrator.submit({ selection: '*' });
    await waitFor(
      'slow running',
      async () => (await orchestrator.runs.assetState(runId, 'slow')) === 'running',
    );
    return { orchestrator, runId };
  }

  async function expectCancelled(orchestrator: Orchestrator, runId: string): Promise<RunRecord> {
    const run = await orchestrator.waitForRun(runId);
    expect(run.status).toBe('cancelled');
    expect(run.assetStates.map((a) => [a.key, a.state])).toEqual([
      ['first', 'succeeded'],
      ['slow', 'cancelled'],
      ['last', 'cancelled'],
    ]);
    // The worker aborted the materializer (a 10-minute sleep) and released the lease.
    const slow = run.assetStates.find((a) => a.key === 'slow')!;
    expect(slow.info.error).toBe('run cancelled: materialization aborted');
    expect(await orchestrator.redis.exists(orchestrator.keys.lease('slow'))).toBe(0);
    return run;
  }

  it('strata cancel <run>: queued assets cancelled, the running one aborted by its worker', async () => {
    const { orchestrator, runId } = await runWithSlowAssetRunning();
    const file = sandbox.writeConfig(YAML);

    const result = await runCli(['-c', file, 'cancel', runId], { env: sandbox.env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`run ${runId}: cancel requested; aborting slow\n`);
    await expectCancelled(orchestrator, runId);

    const again = await runCli(['-c', file, 'cancel', runId, '--json'], { env: sandbox.env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: runId, status: 'cancelled' });

    const unknown = await runCli(['-c', file, 'cancel', 'run-20261201-000000-00000000'], {
      env: sandbox.env,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'no run run-20261201-000000-00000000 (unknown, or trimmed by retention)\n',
    );
  }, 90_000);

  async function serve(orchestrator: Orchestrator, apiToken?: string): Promise<RunningServer> {
    const logger = createLogger('test-server', 'silent');
    const app = createServeApp({
      redis: orchestrator.redis,
      keyPrefix: sandbox.settings.keyPrefix,
      registry: new ProcessMetrics({ defaultMetrics: false }).registry,
      instance: 'test-server',
      logger,
      apiToken,
      pipeline: orchestrator.pipeline,
      events: orchestrator.events,
      runs: orchestrator.runs,
      queue: orchestrator.queue.queue,
      queuePrefix: sandbox.settings.queuePrefix,
    });
    const server = await listen(app, {
      host: '127.0.0.1',
      port: 0,
      apiToken,
      allowedHosts: ['strata.test'],
      logger,
    });
    servers.push(server);
    return server;
  }

  it('POST /api/runs/:id/cancel cancels; other sites, rebound names and missing tokens are refused', async () => {
    const { orchestrator, runId } = await runWithSlowAssetRunning();
    const server = await serve(orchestrator, TOKEN);
    const self = `127.0.0.1:${server.port}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const path = `/api/runs/${runId}/cancel`;

    // DNS rebinding: the attacker's name arrives in Host, reads included.
    for (const method of ['GET', 'POST']) {
      const rebound = await send(server, method, method === 'GET' ? `/api/runs/${runId}` : path, {
        ...auth,
        host: `evil.example:${server.port}`,
      });
      expect(rebound.status).toBe(403);
      expect(rebound.body.error).toMatch(/host "evil\.example:\d+" is not allowed/);
    }
    // A page on another site posting with the browser's credentials.
    const crossSite: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: `http://${self}` },
    ];
    for (const headers of crossSite) {
      const refused = await send(server, 'POST', path, { ...auth, host: self, ...headers });
      expect(refused.status, JSON.stringify(headers)).toBe(403);
    }
    // No token: refused by authentication.
    expect((await send(server, 'POST', path, { host: self })).status).toBe(401);
    expect(await orchestrator.runs.cancelRequested(runId)).toBe(false);
    expect(await orchestrator.runs.assetState(runId, 'slow')).toBe('running');

    expect(
      (await send(server, 'POST', '/api/runs/NOT_AN_ID/cancel', { ...auth, host: self })).status,
    ).toBe(400);
    expect(
      (
        await send(server, 'POST', '/api/runs/run-20261201-000000-00000000/cancel', {
          ...auth,
          host: self,
        })
      ).status,
    ).toBe(404);

    // The browser on this very page, through a configured name.
    const accepted = await send(server, 'POST', path, {
      ...auth,
      host: `strata.test:${server.port}`,
      origin: `http://strata.test:${server.port}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ id: runId });
    expect(accepted.body.assetStates).toContainEqual(
      expect.objectContaining({ key: 'last', state: 'cancelled' }),
    );
    await expectCancelled(orchestrator, runId);
  }, 90_000);

  it('without a token, a loopback server still checks Host and Origin; curl-like clients pass', async () => {
    const { orchestrator, runId } = await runWithSlowAssetRunning();
    const server = await serve(orchestrator);
    const self = `localhost:${server.port}`;
    const path = `/api/runs/${runId}/cancel`;
    expect((await send(server, 'POST', path, { host: `evil.example:${server.port}` })).status).toBe(
      403,
    );
    expect(
      (await send(server, 'POST', path, { host: self, origin: 'http://evil.example' })).status,
    ).toBe(403);
    expect(await orchestrator.runs.cancelRequested(runId)).toBe(false);
    const accepted = await send(server, 'POST', path, { host: self });
    expect(accepted.status).toBe(200);
    await expectCancelled(orchestrator, runId);
  }, 90_000);
});
