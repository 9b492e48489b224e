import { describe, expect, it } from 'vitest';
import type { AlertState } from '../../../src/monitoring/alerts/types.ts';
import { healthSample, type HealthSample } from '../../../src/monitoring/health/history.ts';
import type { GroupLagReport } from '../../../src/monitoring/lag/report.ts';
import { renderHealthPage } from '../../../src/server/ui/health-page.ts';
import { healthSeries, type PipelineHealth } from '../../../src/server/views/health.ts';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const HOSTILE = `<script>alert("x")</script>`;

function partition(p: number, committed: number, logEnd: number) {
  return {
    group: 'ingest',
    topic: 'prices',
    partition: p,
    lag: logEnd - committed,
    committed,
    logEnd,
  };
}

function sample(
  at: number,
  partitions: HealthSample['partitions'],
  ingest: HealthSample['ingest'] = null,
): HealthSample {
  return { at, partitions, ingest, firing: 0 };
}

function alert(overrides: Partial<AlertState>): AlertState {
  return {
    id: 'lag|group=ingest',
    rule: 'lag',
    kind: 'consumer_lag',
    severity: 'error',
    labels: { group: 'ingest' },
    phase: 'firing',
    firedAt: T0 - 120_000,
    value: 120,
    summary: 'lag 120',
    updatedAt: T0,
    ...overrides,
  } as AlertState;
}

describe('health samples', () => {
  it('keeps readable partitions and counts alerts firing', () => {
    const reports: GroupLagReport[] = [
      {
        group: 'ingest',
        topic: 'prices',
        at: T0,
        status: 'OK',
        totalLag: 5,
        members: 1,
        groupState: 'Stable',
        partitions: [{ partition: 0, committed: 10, logEnd: 15, lag: 5, status: 'OK', reason: '' }],
      },
      {
        group: 'other',
        topic: 'prices',
        at: T0,
        status: 'UNKNOWN',
        totalLag: 0,
        members: 0,
        groupState: 'Unknown',
        partitions: [],
        error: 'no coordinator',
      },
    ];
    const s = healthSample(T0, reports, null, [alert({}), alert({ id: 'b', phase: 'pending' })]);
    expect(s).toEqual({ at: T0, partitions: [partition(0, 10, 15)], ingest: null, firing: 1 });
    expect(healthSample(T0, undefined, null, undefined)).toMatchObject({
      partitions: [],
      firing: null,
    });
  });
});

describe('healthSeries', () => {
  it('lines lag up per partition and turns offsets and counters into rates', () => {
    const samples = [
      sample(T0, [partition(0, 100, 110), partition(1, 50, 50)]),
      // 10 s later: partition 0 produced 40 and committed 20; partition 1 was not read.
      sample(T0 + 10_000, [partition(0, 120, 150)], {
        consumed: 300,
        landed: 290,
        objects: 3,
        sinceMs: 10_000,
      }),
      // Partition 0's offsets went back (topic recreated): no rate from it.
      sample(T0 + 20_000, [partition(0, 5, 5), partition(1, 60, 70)], {
        consumed: 0,
        landed: 0,
        objects: 0,
        sinceMs: 10_000,
      }),
    ];
    const series = healthSeries(samples);
    expect(series.t).toEqual([T0 / 1000, T0 / 1000 + 10, T0 / 1000 + 20]);
    expect(series.lag).toEqual([
      { group: 'ingest', topic: 'prices', partition: 0, values: [10, 30, 0] },
      { group: 'ingest', topic: 'prices', partition: 1, values: [0, null, 10] },
    ]);
    expect(series.throughput).toEqual([
      { label: 'ingest consumed', values: [null, 30, 0] },
      { label: 'ingest landed', values: [null, 29, 0] },
      { label: 'produced to prices', values: [null, 4, null] },
      { label: 'committed by ingest', values: [null, 2, null] },
    ]);
    expect(series.firing).toEqual([0, 0, 0]);
    expect(healthSeries([])).toEqual({ t: [], lag: [], throughput: [], firing: [] });
  });
});

describe('the pipeline health page', () => {
  const health = (overrides: Partial<PipelineHealth> = {}): PipelineHealth => ({
    generatedAt: T0,
    monitorActive: true,
    windowMs: 3_600_000,
    ...healthSeries([
      sample(T0 - 20_000, [partition(0, 1, 2)]),
      sample(T0 - 10_000, [partition(0, 2, 4)]),
    ]),
    storage: { at: T0, days: [{ day: '2026-01-15', objects: 12, bytes: 3400 }] },
    alerts: {
      firing: [alert({ summary: HOSTILE })],
      pending: [],
      recent: [
        {
          type: 'resolved',
          at: T0 - 60_000,
          alert: alert({ phase: 'resolved', resolvedAt: T0 - 60_000, firedAt: T0 - 360_000 }),
        },
        { type: 'firing', at: T0 - 360_000, alert: alert({}) },
      ],
    },
    ...overrides,
  });

  it('draws lag, throughput, alerts and storage charts from a data block, and lists alerts', () => {
    const html = renderHealthPage({ health: health(), signOut: false, refreshMs: 15_000 });
    for (const chart of ['lag', 'throughput', 'firing', 'storage'])
      expect(html).toContain(`data-chart="${chart}"`);
    expect(html).toContain('<script type="application/json" id="health-data">');
    expect(html).toContain('data-live="health" data-refresh-ms="15000"');
    expect(html).toContain('<a href="/health">Health</a>');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toMatch(/<tr class="alert-resolved">.*<td class="num">5m<\/td>/);
    expect(html).toContain('<td>2026-01-15</td><td class="num">12</td>');
  });

  it('says when nothing is measured', () => {
    const html = renderHealthPage({
      health: health({
        monitorActive: false,
        t: [],
        lag: [],
        throughput: [],
        firing: [],
        storage: null,
      }),
      signOut: false,
      refreshMs: 15_000,
    });
    expect(html).toContain('No monitor holds the lease');
    expect(html).toContain('No samples in this window');
    expect(html).not.toContain('data-chart=');
  });
});
