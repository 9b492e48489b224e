import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeWarmDbt, runDbt } from '../../src/engines/dbt/index.ts';
import { AlertStore } from '../../src/monitoring/alerts/store.ts';
import type { AlertState } from '../../src/monitoring/alerts/types.ts';
import { HealthHistory, type HealthSample } from '../../src/monitoring/health/history.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import type { RunningServer } from '../../src/server/server.ts';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { createSandbox, type Sandbox } from '../integration/orchestrator-harness.ts';
import { serveSandbox } from '../integration/server-support.ts';

/** Debian's chromium package (installed by .ci/run); playwright-core downloads no browser. */
const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
/** Git-ignored: every page the tests visit, for looking at. */
const SCREENSHOTS = path.join(PROJECT_ROOT, '.screenshots');

const PIPELINE = `version: 1
runs:
  retries: 0
assets:
  prices:
    kind: noop
    description: Prices landed from Kafka
    freshness:
      warnAfter: 2h
      failAfter: 1d
  daily:
    kind: noop
    deps: [prices]
    description: Daily aggregates
  report:
    kind: noop
    deps: [daily]
  slow:
    kind: noop
    sleep: 60s
    description: Sleeps long enough to be cancelled
`;

const TOKEN = 'browser-test-token-0123456789';

describe('the web UI in a real Chromium', () => {
  let browser: Browser;
  let sandbox: Sandbox;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // CI runs as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await closeWarmDbt();
  });

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await sandbox.cleanup();
  });

  async function start(apiToken?: string) {
    const pipeline = sandbox.pipeline(PIPELINE);
    const orchestrator = await sandbox.connect(pipeline);
    await sandbox.startWorker(pipeline, { concurrency: 2 });
    const server = await serveSandbox(sandbox, orchestrator, pipeline, apiToken);
    servers.push(server);
    return { orchestrator, server };
  }

  /** A page that fails the test on any script error or policy violation. */
  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    return { page, problems };
  }

  async function shoot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  it('opens the graph, launches a materialization that turns green live, and shows the asset history and plots', async () => {
    const { orchestrator, server } = await start();
    // History for the plots: two earlier materializations of the chain.
    for (let i = 0; i < 2; i++)
      await orchestrator.waitForRun((await orchestrator.submit({ selection: '+report' })).runId);
    const { page, problems } = await openPage();
    await page.goto(server.url);
    await page.waitForSelector('#live-state:text("live")');
    await shoot(page, 'graph');
    await expect
      .poll(() => page.getAttribute('g[data-asset="slow"]', 'class'))
      .toContain('outcome-never');

    // Live, not reloaded: a mark on the window survives the update.
    await page.evaluate('window.strataMark = 1');
    await page.click('g.pick[data-pick="report"]');
    expect(await page.inputValue('#materialize input[name="selection"]')).toBe('report');
    await page.check('#materialize input[name="upstream"]');
    await page.click('#materialize button[type="submit"]');
    const link = await page.waitForSelector('#operation-result a[data-run]');
    const runId = (await link.getAttribute('data-run')) ?? '';
    expect(runId).toMatch(/^run-/);
    await orchestrator.waitForRun(runId);
    await page.waitForSelector(`tr[data-run="${runId}"] .badge.b-succeeded`, { timeout: 30_000 });
    expect(await page.evaluate('window.strataMark')).toBe(1);
    expect(await page.getAttribute('g[data-asset="report"]', 'class')).toContain(
      'outcome-succeeded',
    );

    await page.click('g[data-asset="prices"] a');
    await page.waitForURL(`${server.url}/assets/prices`);
    expect(await page.locator('#history tr.mat').count()).toBe(3);
    // uPlot drew the three plots (a canvas each) from the page's data block.
    await page.waitForSelector('#plots .chart canvas');
    expect(await page.locator('#plots .chart canvas').count()).toBe(3);
    expect(await page.textContent('#freshness')).toContain('warn after 2h');
    await shoot(page, 'asset');
    await page.setViewportSize({ width: 1000, height: 640 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'docs-asset-page.png') });

    await page.click(`#history a[href="/runs/${runId}"]`);
    await page.waitForSelector('svg.timeline rect.bar.state-succeeded');
    expect(await page.locator('svg.timeline g.row').count()).toBe(3);
    await shoot(page, 'run');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'docs-run-page.png') });
    await page.goto(`${server.url}/runs`);
    await shoot(page, 'runs');
    expect(problems.join('\n')).toBe('');
  });

  it('cancels a slow run from its page and sees it end cancelled, live', async () => {
    const { orchestrator, server } = await start();
    const { runId } = await orchestrator.submit({ selection: 'slow' });
    const { page, problems } = await openPage();
    await page.goto(`${server.url}/runs/${runId}`);
    await page.waitForSelector('#live-state:text("live")');
    await page.waitForSelector('svg.timeline g.row[data-state="running"]', { timeout: 30_000 });
    await page.click('form[data-action="cancel"] button');
    await page.waitForSelector('#run-head .badge.b-cancelled', { timeout: 30_000 });
    expect(await page.getAttribute('svg.timeline g.row', 'data-state')).toBe('cancelled');
    expect((await orchestrator.runs.get(runId))?.status).toBe('cancelled');
    await shoot(page, 'run-cancelled');
    expect(problems.join('\n')).toBe('');
  });

  it('signs in with the token and out again, after which the old cookie no longer works', async () => {
    const { server } = await start(TOKEN);
    const { page, problems } = await openPage();
    const response = await page.goto(`${server.url}/assets/prices`);
    expect(response?.status()).toBe(401);
    await shoot(page, 'login');
    await page.fill('input[name="token"]', TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${server.url}/assets/prices`).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)} at ${page.url()}: ${problems.join('; ')} ${(await page.content()).slice(0, 2000)}`,
      );
    });
    await page.waitForSelector('#live-state:text("live")');
    const [cookie] = await page.context().cookies();
    expect(cookie?.name).toBe('strata_session');
    expect(cookie?.httpOnly).toBe(true);
    const withOldCookie = () =>
      fetch(`${server.url}/api/assets`, {
        headers: { cookie: `${cookie?.name}=${cookie?.value}` },
      }).then((r) => r.status);
    expect(await withOldCookie()).toBe(200);

    await page.click('header form button');
    await page.waitForURL(`${server.url}/login`);
    expect(await page.context().cookies()).toEqual([]);
    expect(await withOldCookie()).toBe(401);
    // The 401 of the first page is the point; anything else is a problem.
    expect(problems.filter((p) => !p.includes('status of 401')).join('\n')).toBe('');
  });

  it('shows pipeline health as charts (lag, throughput, alerts, storage) that update without piling up plots', async () => {
    const pipeline = sandbox.pipeline(`version: 1
assets:
  prices:
    kind: noop
monitoring:
  interval: 1s
`);
    const orchestrator = await sandbox.connect(pipeline);
    const keys = new MonitorKeys(sandbox.settings.keyPrefix);
    const history = new HealthHistory(orchestrator.redis, keys);
    const now = Date.now();
    const sample = (at: number, i: number): HealthSample => ({
      at,
      partitions: [0, 1].map((partition) => ({
        group: 'crypto-s3-sink',
        topic: 'prices',
        partition,
        lag: 10 * i + partition,
        committed: 100 * i,
        logEnd: 100 * i + 10 * i + partition,
      })),
      ingest: i === 0 ? null : { consumed: 600, landed: 590, objects: 6, sinceMs: 60_000 },
      firing: i >= 3 ? 1 : 0,
    });
    for (let i = 0; i < 6; i++) await history.record(sample(now - (6 - i) * 60_000, i));
    const day = (back: number) => new Date(now - back * 86_400_000).toISOString().slice(0, 10);
    await history.recordStorage({
      at: now,
      days: [2, 1, 0].map((back) => ({ day: day(back), objects: 100 - back * 30, bytes: 1e6 })),
    });
    // An alert firing and one that fired and resolved, recorded as the leading monitor does.
    const alert = (overrides: Partial<AlertState>): AlertState => ({
      id: 'ingest_behind|group=crypto-s3-sink',
      rule: 'ingest_behind',
      kind: 'kafka_lag',
      severity: 'error',
      labels: { group: 'crypto-s3-sink', topic: 'prices' },
      phase: 'firing',
      activeSince: now - 180_000,
      firedAt: now - 180_000,
      value: 41,
      summary: 'lag 41 > 10',
      updatedAt: now,
      ...overrides,
    });
    await orchestrator.redis.set(keys.lease(), 'browser-test', 'PX', 60_000);
    const resolved = alert({
      id: 'old',
      phase: 'resolved',
      firedAt: now - 900_000,
      resolvedAt: now - 600_000,
    });
    await new AlertStore(orchestrator.redis, keys).commit('browser-test', {
      set: [alert({})],
      remove: [],
      events: [
        { type: 'firing', at: now - 900_000, alert: alert({ id: 'old', firedAt: now - 900_000 }) },
        { type: 'resolved', at: now - 600_000, alert: resolved },
        { type: 'firing', at: now - 180_000, alert: alert({}) },
      ],
    });
    const server = await serveSandbox(sandbox, orchestrator, pipeline);
    servers.push(server);

    const { page, problems } = await openPage();
    await page.goto(server.url);
    await page.click('header nav a[href="/health"]');
    await page.waitForURL(`${server.url}/health`);
    await page.waitForSelector('#live-state:text("live")');
    const canvases = '#health-charts .chart canvas';
    await page.waitForSelector(canvases);
    expect(await page.locator(canvases).count()).toBe(4);
    // Each plot has its series (uPlot's legend lists x plus one row per series) and data.
    const legendRows = (chart: string) =>
      page.locator(`.chart[data-chart="${chart}"] .u-legend .u-series`).count();
    expect(await legendRows('lag')).toBe(3);
    expect(await legendRows('throughput')).toBe(5);
    expect(await legendRows('firing')).toBe(2);
    expect(await legendRows('storage')).toBe(2);
    const block = "JSON.parse(document.getElementById('health-data').textContent)";
    const data = () =>
      page.evaluate<{
        t: number[];
        lag: Array<{ values: Array<number | null> }>;
        storage: { objects: number[] };
      }>(block);
    const first = await data();
    expect(first.t).toHaveLength(6);
    expect(first.lag.map((s) => s.values.filter((v) => v !== null).length)).toEqual([6, 6]);
    expect(first.storage.objects).toEqual([40, 70, 100]);
    expect(await page.textContent('#alerts-now')).toContain('lag 41 > 10');
    expect(await page.locator('#alert-history tr.alert-resolved').count()).toBe(1);
    await shoot(page, 'health');

    // The monitor records another pass: the page fetches itself (every 5 s here) and redraws,
    // destroying the plots it replaced.
    await page.evaluate('window.strataMark = 1');
    await history.record(sample(Date.now(), 6));
    // (Polled from here: waitForFunction would eval in the page, which the CSP refuses.)
    await expect.poll(async () => (await data()).t.length, { timeout: 20_000 }).toBe(7);
    await page.waitForSelector(canvases);
    expect(await page.locator(canvases).count()).toBe(4);
    expect(await page.getAttribute('body', 'data-plots')).toBe('4');
    expect(await page.evaluate('window.strataMark')).toBe(1);
    expect(problems.join('\n')).toBe('');
  });

  it("shows a dbt model's SQL on its asset page: the model file before any compile, then what dbt compiled", async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'strata-browser-dbt-'));
    try {
      const pipeline = sandbox.pipeline(`version: 1
engine:
  dbtProject: ${JSON.stringify(path.join(PROJECT_ROOT, 'dbt'))}
assets:
  crypto_stage:
    kind: dbt
    description: The silver model
`);
      const runsDir = path.join(work, 'dbt-runs');
      const orchestrator = await sandbox.connect(pipeline);
      const server = await serveSandbox(sandbox, orchestrator, pipeline, undefined, {
        dbtRunsDir: runsDir,
      });
      servers.push(server);
      const { page, problems } = await openPage();
      await page.goto(`${server.url}/assets/crypto_stage`);
      await page.waitForSelector('#sql[data-sql="source"]');
      expect(await page.textContent('#sql h2')).toContain('not compiled yet');
      expect(await page.textContent('#sql pre')).toContain("{{ ref('crypto_raw') }}");

      // What a worker's dbt invocation leaves behind (a real dbt compile of the model).
      await runDbt({
        args: ['compile', '--select', 'crypto_stage'],
        target: 'local',
        projectDir: path.join(PROJECT_ROOT, 'dbt'),
        runsDir,
        duckDbPath: path.join(work, 'warehouse.duckdb'),
        lakePath: path.join(work, 'lake'),
        mode: 'subprocess',
      });
      await page.reload();
      await page.waitForSelector('#sql[data-sql="compiled"]');
      expect(await page.textContent('#sql h2')).toBe('Compiled SQL');
      const sql = (await page.textContent('#sql pre code')) ?? '';
      expect(sql).toMatch(/from "warehouse"\."[a-z_]*bronze"\."crypto_raw"/);
      expect(sql).not.toContain('{{');
      await shoot(page, 'asset-dbt-sql');
      expect(problems.join('\n')).toBe('');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
