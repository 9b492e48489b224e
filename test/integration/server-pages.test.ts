import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/jobs/index.ts';
import type { RunningServer } from '../../src/server/server.ts';
import type { AssetDetail } from '../../src/server/views/asset-detail.ts';
import { waitFor } from '../helpers/wait.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';
import { serveSandbox } from './server-support.ts';

const PIPELINE = `version: 1
runs:
  retries: 0
assets:
  source:
    kind: noop
    description: where it starts
    freshness:
      warnAfter: 1h
      failAfter: 1d
  sink:
    kind: noop
    deps: [source]
schedules:
  hourly:
    cron: '0 * * * *'
    select: +sink
    description: every hour on the hour
`;

describe('asset page, run page, runs list, operations and live events (real Redis and workers)', () => {
  let sandbox: Sandbox;
  const servers: RunningServer[] = [];

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await sandbox.cleanup();
  });

  async function setup() {
    const pipeline = sandbox.pipeline(PIPELINE);
    const orchestrator = await sandbox.connect(pipeline);
    await sandbox.startWorker(pipeline);
    const server = await serveSandbox(sandbox, orchestrator, pipeline, undefined, {
      live: { heartbeatMs: 200, intervalMs: 200 },
    });
    servers.push(server);
    return { orchestrator, server };
  }

  it('shows an asset with its policy lines, history, triggers and plot data, as a page and as JSON', async () => {
    const { orchestrator, server } = await setup();
    const runs: RunRecord[] = [];
    for (const trigger of ['manual', 'schedule'] as const)
      runs.push(
        await orchestrator.waitForRun(
          (await orchestrator.submit({ selection: 'source', trigger })).runId,
        ),
      );

    const detail = (await (await fetch(`${server.url}/api/assets/source`)).json()) as AssetDetail;
    expect(detail.asset.key).toBe('source');
    expect(detail.dependents).toEqual(['sink']);
    expect(detail.policy).toEqual({ warnAfterMs: 3_600_000, failAfterMs: 86_400_000 });
    expect(detail.warnAt).toBe((detail.asset.dataTime ?? 0) + 3_600_000);
    expect(detail.materializations.map((m) => [m.runId, m.trigger, m.status])).toEqual([
      [runs[1]!.id, 'schedule', 'succeeded'],
      [runs[0]!.id, 'manual', 'succeeded'],
    ]);
    expect(detail.materializations[0]!.worker).not.toBe('');
    const limited = (await (
      await fetch(`${server.url}/api/assets/source?limit=1`)
    ).json()) as AssetDetail;
    expect(limited.materializations).toHaveLength(1);
    expect((await fetch(`${server.url}/api/assets/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/assets/source?limit=0`)).status).toBe(400);

    const page = await (await fetch(`${server.url}/assets/source`)).text();
    expect(page).toContain('<body data-live="asset:source">');
    expect(page).toContain('where it starts');
    expect(page).toContain('href="/assets/sink"');
    expect(page).toContain(`href="/runs/${runs[0]!.id}"`);
    expect(page).toContain('warn after 1h of data age');
    expect(page.match(/<tr class="mat mat-succeeded">/g)).toHaveLength(2);
    const charts = JSON.parse(/id="chart-data">([^<]*)</.exec(page)?.[1] ?? '{}') as {
      t: number[];
      warnS: number;
      failS: number;
    };
    expect(charts.t).toHaveLength(2);
    expect([charts.warnS, charts.failS]).toEqual([3_600, 86_400]);
    expect((await fetch(`${server.url}/assets/nope`)).status).toBe(404);
    for (const file of ['app.js', 'live.js', 'charts.js', 'operations.js', 'uplot.js', 'uplot.css'])
      expect((await fetch(`${server.url}/static/${file}`)).status, file).toBe(200);
    expect((await fetch(`${server.url}/static/..%2Fpackage.json`)).status).toBe(404);
  });

  it('draws a run timeline and events, lists runs with filters, launches and re-runs through the API', async () => {
    const { orchestrator, server } = await setup();
    const post = (path: string, body: unknown, type = 'application/json') =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    const launched = await post('/api/runs', { selection: '+sink' });
    expect(launched.status).toBe(201);
    const { runId, assets } = (await launched.json()) as { runId: string; assets: string[] };
    expect(assets).toEqual(['source', 'sink']);
    const run = await orchestrator.waitForRun(runId);
    expect(run.status).toBe('succeeded');
    expect(run.reason).toBe('launched from the web UI');

    // Bad selections are the caller's: 400 with the reason. Forms (CSRF) are refused.
    const unknown = await post('/api/runs', { selection: 'nope' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/nope/);
    expect(
      (await post('/api/runs', 'selection=sink', 'application/x-www-form-urlencoded')).status,
    ).toBe(415);
    expect((await post('/api/runs', '{"selection":', 'application/json')).status).toBe(400);
    expect((await post(`/api/runs/${runId}/rerun-failed`, {})).status).toBe(409);

    const page = await (await fetch(`${server.url}/runs/${runId}`)).text();
    expect(page).toContain(`<body data-live="run:${runId}">`);
    const bars = [...page.matchAll(/<g class="row" data-asset="(\w+)" data-state="(\w+)">/g)];
    expect(bars.map((m) => [m[1], m[2]])).toEqual([
      ['source', 'succeeded'],
      ['sink', 'succeeded'],
    ]);
    expect(page.match(/<rect class="bar state-succeeded"/g)).toHaveLength(2);
    expect(page).toContain('asset_succeeded');
    expect(page).toContain('No errors or failing checks.');
    const events = (await (await fetch(`${server.url}/api/runs/${runId}/events`)).json()) as {
      events: Array<{ type: string }>;
    };
    expect(events.events.map((e) => e.type)).toContain('run_succeeded');

    const other = await orchestrator.waitForRun(
      (await orchestrator.submit({ selection: 'source', trigger: 'schedule' })).runId,
    );
    const list = async (query: string) =>
      (
        (await (await fetch(`${server.url}/api/runs?${query}`)).json()) as { runs: RunRecord[] }
      ).runs.map((r) => r.id);
    expect(await list('')).toEqual([other.id, runId]);
    expect(await list('trigger=schedule')).toEqual([other.id]);
    expect(await list('asset=sink')).toEqual([runId]);
    expect(await list('status=failed')).toEqual([]);
    expect((await fetch(`${server.url}/api/runs?status=bogus`)).status).toBe(400);
    const runsPage = await (await fetch(`${server.url}/runs?trigger=manual`)).text();
    expect(runsPage).toContain(`data-run="${runId}"`);
    expect(runsPage).not.toContain(`data-run="${other.id}"`);
    expect((await fetch(`${server.url}/runs/run-20200101-000000-deadbeef`)).status).toBe(404);
  });

  it('streams run events over SSE with heartbeats, and releases every listener when pages leave', async () => {
    const { orchestrator, server } = await setup();
    const streams = await Promise.all(
      [0, 1, 2].map(async () => {
        const abort = new AbortController();
        const response = await fetch(`${server.url}/api/events`, { signal: abort.signal });
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const reader = response.body!.getReader();
        let text = '';
        const reading = (async () => {
          for (;;) {
            const chunk: { done: boolean; value?: Uint8Array } = await reader
              .read()
              .catch(() => ({ done: true, value: undefined }));
            if (chunk.done) return;
            text += new TextDecoder().decode(chunk.value);
          }
        })();
        return { abort, text: () => text, reading };
      }),
    );
    await waitFor('every stream connected and a heartbeat', () =>
      streams.every((s) => s.text().includes(': connected') && s.text().includes(': ping')),
    );
    const { runId } = await orchestrator.submit({ selection: 'source' });
    for (const stream of streams)
      await waitFor('the run to finish on the stream', () =>
        stream.text().includes(`"runId":"${runId}","type":"run_succeeded"`),
      );
    expect(streams[0]!.text()).toMatch(
      /event: change\ndata: \{"runId":"[^"]+","type":"asset_started","asset":"source"/,
    );

    for (const stream of streams) stream.abort.abort();
    await Promise.all(streams.map((s) => s.reading));
    const stats = async () =>
      (await (await fetch(`${server.url}/api/events/stats`)).json()) as Record<string, unknown>;
    await waitFor(
      'the server to release the streams',
      async () =>
        JSON.stringify(await stats()) ===
        JSON.stringify({ listeners: 0, openStreams: 0, reading: false, trackedRuns: 0 }),
    );
    // A day of pages coming and going: connect and leave 50 times, nothing accumulates.
    for (let i = 0; i < 50; i++) {
      const abort = new AbortController();
      const response = await fetch(`${server.url}/api/events`, { signal: abort.signal });
      const reader = response.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.read().catch(() => undefined);
    }
    await waitFor(
      'the server to release the 50 streams',
      async () =>
        JSON.stringify(await stats()) ===
        JSON.stringify({ listeners: 0, openStreams: 0, reading: false, trackedRuns: 0 }),
    );
  });

  it('lists schedules with their next fire time and last runs, and the scheduler state', async () => {
    const { orchestrator, server } = await setup();
    const run = await orchestrator.waitForRun(
      (
        await orchestrator.submit({
          selection: '+sink',
          trigger: 'schedule',
          reason: 'schedule hourly, tick of 2026-01-01T00:00:00.000Z',
        })
      ).runId,
    );
    const view = (await (await fetch(`${server.url}/api/schedules`)).json()) as {
      scheduler: { leader?: string };
      schedules: Array<{ name: string; nextFireAt: number; lastRuns: Array<{ id: string }> }>;
    };
    expect(view.scheduler.leader).toBeUndefined();
    expect(view.schedules.map((s) => s.name)).toEqual(['hourly']);
    const next = view.schedules[0]!.nextFireAt;
    expect(next % 3_600_000).toBe(0);
    expect(next - Date.now()).toBeGreaterThan(0);
    expect(next - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect(view.schedules[0]!.lastRuns.map((r) => r.id)).toEqual([run.id]);
    const page = await (await fetch(`${server.url}/schedules`)).text();
    expect(page).toContain('<tr data-schedule="hourly">');
    expect(page).toContain(`href="/runs/${run.id}"`);
    expect(page).toContain('No scheduler holds the lease');
  });
});
