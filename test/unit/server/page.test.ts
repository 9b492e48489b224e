import { describe, expect, it } from 'vitest';
import { AssetGraph } from '../../../src/graph/graph.ts';
import type { MonitoringStatus } from '../../../src/monitoring/status.ts';
import type { AssetView } from '../../../src/server/asset-views.ts';
import { escapeHtml } from '../../../src/server/ui/escape.ts';
import { renderAssetsPage, type AssetsPageModel } from '../../../src/server/ui/html.ts';
import { layoutGraph } from '../../../src/server/ui/layout.ts';
import { renderGraphSvg } from '../../../src/server/ui/svg.ts';
import { check, view } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOSTILE = `<script>alert("x")</script><img src=x onerror='y'>&`;

const quiet: MonitoringStatus = {
  lag: null,
  firing: [],
  pending: [],
  recent: [],
  monitorActive: false,
};

function page(assets: AssetView[], overrides: Partial<AssetsPageModel> = {}): string {
  const graph = new AssetGraph(new Map(assets.map((a) => [a.key, { key: a.key, deps: a.deps }])));
  return renderAssetsPage({
    assets,
    layout: layoutGraph(graph),
    monitoring: quiet,
    recentRuns: [],
    now: NOW,
    signOut: false,
    ...overrides,
  });
}

describe('escapeHtml', () => {
  it('replaces the five characters that end text or attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('the asset graph page', () => {
  it('draws one box per asset with its outcome, freshness and blocked classes, and an arrow per dep', () => {
    const assets = [
      view('source', { outcome: 'succeeded', freshness: 'fresh', dataTime: NOW - 120_000 }),
      view('middle', { deps: ['source'], outcome: 'failed', freshness: 'fail', blocked: true }),
      view('sink', { deps: ['middle'], outcome: 'skipped', freshness: 'warn' }),
    ];
    const graph = new AssetGraph(new Map(assets.map((a) => [a.key, { key: a.key, deps: a.deps }])));
    const svg = renderGraphSvg(layoutGraph(graph), new Map(assets.map((a) => [a.key, a])), NOW);

    expect(svg).toContain('<g class="asset outcome-succeeded freshness-fresh" data-asset="source"');
    expect(svg).toContain(
      '<g class="asset outcome-failed freshness-fail blocked" data-asset="middle"',
    );
    expect(svg).toContain('<g class="asset outcome-skipped freshness-warn" data-asset="sink"');
    expect(svg.match(/<path class="edge"/g)).toHaveLength(2);
    expect(svg).toContain('data-from="source" data-to="middle"');
    expect(svg).toContain('data 2m ago');
    expect(svg).toContain('BLOCKED');
  });

  it('escapes check names, messages, descriptions, errors and alert text wherever they appear', () => {
    const assets = [
      view('source', {
        outcome: 'failed',
        description: HOSTILE,
        error: HOSTILE,
        blocked: true,
        blockedReason: HOSTILE,
        checks: [check(HOSTILE, 'failed', HOSTILE)],
      }),
    ];
    const alert = {
      id: 'a',
      rule: HOSTILE,
      kind: 'kafka_lag' as const,
      severity: 'error' as const,
      labels: {},
      phase: 'firing' as const,
      firedAt: NOW - 60_000,
      value: 1,
      summary: HOSTILE,
      updatedAt: NOW,
    };
    const html = page(assets, {
      monitoring: {
        ...quiet,
        monitorActive: true,
        firing: [alert],
        lag: [
          {
            group: HOSTILE,
            topic: 't',
            at: NOW,
            status: 'UNKNOWN',
            totalLag: 0,
            members: 0,
            groupState: 'Empty',
            partitions: [],
            error: HOSTILE,
          },
        ],
      },
    });

    expect(html).not.toContain('<script>');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain(`onerror='y'`);
    // Every place the hostile text goes: description, error, blocked reason, check name and
    // message (table), SVG tooltip, alert rule and summary, lag group and error.
    const escaped = escapeHtml(HOSTILE);
    expect(html.split(escaped).length - 1).toBeGreaterThanOrEqual(9);
  });

  it('links the pages, Bull Board, the API and the metrics, and loads scripts from this server only', () => {
    const html = page([view('only', { outcome: 'never' })]);
    for (const href of ['/runs', '/queues', '/api/openapi.json', '/metrics', '/assets/only'])
      expect(html).toContain(`href="${href}"`);
    expect(html).toContain('<body data-live="graph">');
    expect(html).not.toContain('http-equiv="refresh"');
    // The only absolute URL is the SVG namespace, which is a name, not a fetch.
    expect(html.match(/https?:\/\/[^"]*/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script type="module" src="/static/app.js">',
    ]);
  });

  it('shows firing alerts, lag per group, and says when no monitor is reporting', () => {
    const silent = page([view('only')]);
    expect(silent).toContain('No monitor is evaluating alert rules');
    expect(silent).toContain('No recent lag report');
    expect(silent).toContain('No alerts firing.');

    const busy = page([view('only')], {
      monitoring: {
        ...quiet,
        monitorActive: true,
        firing: [
          {
            id: 'lag',
            rule: 'ingest_lag_high',
            kind: 'kafka_lag',
            severity: 'error',
            labels: {},
            phase: 'firing',
            firedAt: NOW - 300_000,
            value: 5000,
            summary: 'lag 5000 on prices',
            updatedAt: NOW,
          },
        ],
        lag: [
          {
            group: 'crypto-s3-sink',
            topic: 'prices',
            at: NOW - 10_000,
            status: 'STALL',
            totalLag: 5000,
            members: 1,
            groupState: 'Stable',
            partitions: [],
          },
        ],
      },
    });
    expect(busy).toContain('1 alert firing');
    expect(busy).toMatch(/ingest_lag_high<\/td><td>lag 5000 on prices<\/td><td[^>]*>5m ago/);
    expect(busy).toContain(
      '<td>crypto-s3-sink</td><td>prices</td><td><span class="badge b-STALL">STALL</span>',
    );
    expect(busy).not.toContain('No monitor is evaluating');
  });

  it('lists each asset in the table with kind, data time, freshness and check counts', () => {
    const html = page([
      view('gold', {
        kind: 'dbt',
        outcome: 'succeeded',
        freshness: 'warn',
        dataTime: NOW - 3 * 3_600_000,
        checks: [check('not_null_id', 'passed'), check('few_rows', 'warned', '3 rows')],
        latestRun: { id: 'run-1', state: 'succeeded' },
      }),
    ]);
    const row = /<tr id="asset-gold"[^]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row).toContain('class="asset outcome-succeeded freshness-warn"');
    expect(row).toContain('<td>dbt</td>');
    expect(row).toContain('2026-01-15T09:00:00Z');
    expect(row).toContain('3h ago');
    expect(row).toContain('1/2 passed, 1 warned');
    expect(row).toContain('few_rows');
    expect(row).toContain('href="/runs/run-1"');
  });
});
