import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssetSpec } from '../../src/config/types.ts';
import {
  defaultMaterializers,
  type MaterializerRegistry,
} from '../../src/assets/materializers/index.ts';
import type { MaterializeContext } from '../../src/assets/materializers/types.ts';
import type { Orchestrator, RunRecord } from '../../src/jobs/index.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import type { AssetView } from '../../src/server/asset-views.ts';
import { createServeApp } from '../../src/server/serve-app.ts';
import { listen, type RunningServer } from '../../src/server/server.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { runCli, spawnStrata } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

type NoopAsset = Extract<AssetSpec, { kind: 'noop' }>;

const PIPELINE = `version: 1
runs:
  retries: 0
assets:
  source:
    kind: noop
    description: where it starts
  left:
    kind: noop
    deps: [source]
  right:
    kind: noop
    deps: [source]
  sink:
    kind: noop
    deps: [left, right]
`;

/** Shows up in a check message; the page must print it as text, never as markup. */
const HOSTILE_MESSAGE = '<script>alert("dbt said")</script>';

/**
 * Noop materializers, except that `left` reports a warned check (with a message to escape) and
 * `right` fails while `failRight` says so.
 */
function materializers(failRight: { now: boolean }): MaterializerRegistry {
  return {
    ...defaultMaterializers,
    noop: {
      ...defaultMaterializers.noop,
      async materialize(context: MaterializeContext<NoopAsset>) {
        if (context.asset.key === 'right' && failRight.now) throw new Error('right broke');
        const result = await defaultMaterializers.noop.materialize(context);
        if (context.asset.key !== 'left') return result;
        return {
          ...result,
          checks: [
            {
              name: 'few_duplicates',
              source: 'dbt' as const,
              type: 'unique',
              severity: 'warn' as const,
              status: 'warned' as const,
              failingRows: 2,
              message: HOSTILE_MESSAGE,
            },
          ],
        };
      },
    },
  };
}

describe('strata serve: asset API, asset graph page and Bull Board (real Redis and BullMQ)', () => {
  let sandbox: Sandbox;
  const servers: RunningServer[] = [];

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await sandbox.cleanup();
  });

  /** Two runs: everything succeeds, then `right` fails so `sink` is skipped. */
  async function twoRuns(): Promise<{
    orchestrator: Orchestrator;
    pipeline: ReturnType<Sandbox['pipeline']>;
    first: RunRecord;
    second: RunRecord;
  }> {
    const pipeline = sandbox.pipeline(PIPELINE);
    const orchestrator = await sandbox.connect(pipeline);
    const failRight = { now: false };
    await sandbox.startWorker(pipeline, { materializers: materializers(failRight) });
    const first = await orchestrator.waitForRun(
      (await orchestrator.submit({ selection: '*' })).runId,
    );
    failRight.now = true;
    const second = await orchestrator.waitForRun(
      (await orchestrator.submit({ selection: '*' })).runId,
    );
    return { orchestrator, pipeline, first, second };
  }

  async function serve(
    orchestrator: Orchestrator,
    pipeline: ReturnType<Sandbox['pipeline']>,
    apiToken?: string,
  ): Promise<RunningServer> {
    const logger = createLogger('test-server', 'silent');
    const app = createServeApp({
      redis: orchestrator.redis,
      keyPrefix: sandbox.settings.keyPrefix,
      registry: new ProcessMetrics({ defaultMetrics: false }).registry,
      instance: 'test-server',
      logger,
      apiToken,
      pipeline,
      events: orchestrator.events,
      runs: orchestrator.runs,
      queue: orchestrator.queue.queue,
      queuePrefix: sandbox.settings.queuePrefix,
    });
    const server = await listen(app, { host: '127.0.0.1', port: 0, apiToken, logger });
    servers.push(server);
    return server;
  }

  it("serves each asset's status, the runs newest first, and one run by id", async () => {
    const { orchestrator, pipeline, first, second } = await twoRuns();
    expect([first.status, second.status]).toEqual(['succeeded', 'failed']);
    const server = await serve(orchestrator, pipeline);

    const assets = (await (await fetch(`${server.url}/api/assets`)).json()) as {
      assets: AssetView[];
    };
    expect(
      assets.assets.map((a) => [a.key, a.outcome, a.lastStatus, a.blocked, a.latestRun?.id]),
    ).toEqual([
      ['source', 'succeeded', 'succeeded', false, second.id],
      ['left', 'succeeded', 'succeeded', false, second.id],
      ['right', 'failed', 'failed', true, second.id],
      // Skipped by the second run: not shown as the success of the first.
      ['sink', 'skipped', 'succeeded', false, second.id],
    ]);
    const right = assets.assets.find((a) => a.key === 'right');
    expect(right?.error).toMatch(/right broke/);
    expect(assets.assets.find((a) => a.key === 'left')?.checks).toEqual([
      expect.objectContaining({ name: 'few_duplicates', status: 'warned' }),
    ]);
    expect(assets.assets.find((a) => a.key === 'sink')?.deps).toEqual(['left', 'right']);
    expect(assets.assets.every((a) => a.freshness === 'fresh')).toBe(true);

    const runs = (await (await fetch(`${server.url}/api/runs`)).json()) as { runs: RunRecord[] };
    expect(runs.runs.map((r) => [r.id, r.status])).toEqual([
      [second.id, 'failed'],
      [first.id, 'succeeded'],
    ]);
    const limited = (await (await fetch(`${server.url}/api/runs?limit=1`)).json()) as {
      runs: RunRecord[];
    };
    expect(limited.runs.map((r) => r.id)).toEqual([second.id]);
    expect((await fetch(`${server.url}/api/runs?limit=0`)).status).toBe(400);
    expect((await fetch(`${server.url}/api/runs?limit=ten`)).status).toBe(400);

    const one = (await (await fetch(`${server.url}/api/runs/${second.id}`)).json()) as RunRecord;
    expect(Object.fromEntries(one.assetStates.map((a) => [a.key, a.state]))).toEqual({
      source: 'succeeded',
      left: 'succeeded',
      right: 'failed',
      sink: 'skipped',
    });
    expect((await fetch(`${server.url}/api/runs/run-20200101-000000-deadbeef`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/runs/NOT..A_RUN`)).status).toBe(400);
  });

  it('draws every asset in an SVG coloured by its state, with tables, and escapes check messages', async () => {
    const { orchestrator, pipeline, second } = await twoRuns();
    const server = await serve(orchestrator, pipeline);

    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await response.text();
    const svg = /<svg[^]*<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).not.toBe('');
    const boxes = [...svg.matchAll(/<g class="([^"]+)" data-asset="([a-z_]+)"/g)].map((m) => [
      m[2],
      m[1],
    ]);
    expect(boxes).toEqual([
      ['source', 'asset outcome-succeeded freshness-fresh'],
      ['left', 'asset outcome-succeeded freshness-fresh'],
      ['right', 'asset outcome-failed freshness-fresh blocked'],
      ['sink', 'asset outcome-skipped freshness-fresh'],
    ]);
    expect(svg.match(/<path class="edge"/g)).toHaveLength(4);
    for (const key of ['source', 'left', 'right', 'sink'])
      expect(html).toContain(`<tr id="asset-${key}"`);
    expect(html).toContain('&lt;script&gt;alert(&quot;dbt said&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(`href="/runs/${second.id}"`);
    expect(html).toContain('href="/queues"');
    expect(html).toContain('No recent lag report');

    expect(await (await fetch(`${server.url}/assets`)).text()).toContain('data-asset="sink"');
  });

  it('mounts Bull Board at /queues on the asset queue, read-only without a token', async () => {
    const { orchestrator, pipeline } = await twoRuns();
    const server = await serve(orchestrator, pipeline);

    const page = await fetch(`${server.url}/queues`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<base href="/queues/"');
    expect(html).toContain('<title>Strata queues</title>');
    const { queues } = (await (await fetch(`${server.url}/queues/api/queues`)).json()) as {
      queues: Array<{ name: string; readOnlyMode: boolean; counts: Record<string, number> }>;
    };
    expect(queues).toHaveLength(1);
    expect(queues[0]?.name).toBe(sandbox.settings.queueName);
    expect(queues[0]?.readOnlyMode).toBe(true);
    // 4 + 2 jobs completed over the two runs; `right` failed once and was not retried.
    expect(queues[0]?.counts).toMatchObject({ completed: 6, failed: 1 });
  });

  it('with a token: 401 without it, the sign-in form for browsers, a session cookie after it, Bull Board writable', async () => {
    const { orchestrator, pipeline } = await twoRuns();
    const token = 'ui-test-token-0123456789';
    const server = await serve(orchestrator, pipeline, token);
    const bearer = { authorization: `Bearer ${token}` };

    expect((await fetch(`${server.url}/`)).status).toBe(401);
    expect((await fetch(`${server.url}/queues`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/assets`)).status).toBe(401);
    const browser = await fetch(`${server.url}/queues`, { headers: { accept: 'text/html' } });
    expect(browser.status).toBe(401);
    expect(await browser.text()).toContain('<form method="post" action="/login">');

    expect((await fetch(`${server.url}/`, { headers: bearer })).status).toBe(200);
    const { queues } = (await (
      await fetch(`${server.url}/queues/api/queues`, { headers: bearer })
    ).json()) as { queues: Array<{ readOnlyMode: boolean }> };
    expect(queues[0]?.readOnlyMode).toBe(false);

    const login = (password: string) =>
      fetch(`${server.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ token: password, next: '/queues' }),
        redirect: 'manual',
      });
    expect((await login('wrong')).status).toBe(401);
    const signedIn = await login(token);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/queues');
    const cookie = signedIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(token);
    const session = { cookie: cookie.split(';')[0] as string };
    expect((await fetch(`${server.url}/`, { headers: session })).status).toBe(200);
    expect((await fetch(`${server.url}/queues/api/queues`, { headers: session })).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('`strata serve` loads the config, serves the page and the API, and stops on SIGTERM', async () => {
    const config = sandbox.writeConfig(PIPELINE);
    const orchestrator = await sandbox.connect(sandbox.pipeline(PIPELINE));
    await sandbox.startWorker(orchestrator.pipeline);
    await orchestrator.waitForRun((await orchestrator.submit({ selection: 'source' })).runId);

    const serve = spawnStrata(['-c', config, 'serve', '--port', '0'], sandbox.env);
    try {
      const url = await waitFor(
        'strata serve to listen',
        () => /listening on (http:\/\/\S+)/.exec(serve.stdout())?.[1],
        30_000,
      );
      const { assets } = (await (await fetch(`${url}/api/assets`)).json()) as {
        assets: AssetView[];
      };
      expect(assets.map((a) => [a.key, a.outcome])).toEqual([
        ['source', 'succeeded'],
        ['left', 'never'],
        ['right', 'never'],
        ['sink', 'never'],
      ]);
      expect(await (await fetch(url)).text()).toContain('data-asset="source"');
      expect((await fetch(`${url}/queues`)).status).toBe(200);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);

    const missing = await runCli(['-c', `${sandbox.dir}/missing.yaml`, 'serve', '--port', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read config/);
  });
});
