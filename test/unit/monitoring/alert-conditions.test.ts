import { describe, expect, it } from 'vitest';
import { observe } from '../../../src/monitoring/alerts/conditions.ts';
import type { Signals } from '../../../src/monitoring/alerts/signals.ts';
import type { AlertRuleSpec } from '../../../src/monitoring/alerts/types.ts';
import type { GroupLagReport } from '../../../src/monitoring/lag/report.ts';
import { MetricHistory } from '../../../src/monitoring/metrics/history.ts';
import type { MetricFamily } from '../../../src/monitoring/metrics/snapshot.ts';

const base = { severity: 'error' as const, forMs: 0, enabled: true };
const HOUR = 3_600_000;

function lagReport(
  totalLag: number,
  status: GroupLagReport['status'],
  error?: string,
): GroupLagReport {
  return {
    group: 'g',
    topic: 't',
    at: 0,
    status,
    totalLag,
    members: 1,
    groupState: 'Stable',
    partitions: [
      {
        partition: 0,
        committed: 0,
        logEnd: totalLag,
        lag: totalLag,
        status: status === 'UNKNOWN' ? 'OK' : status,
        reason: 'because',
      },
    ],
    error,
  };
}

describe('alert conditions', () => {
  it('kafka_lag: fires above maxLag or on a listed status, per group and topic', () => {
    const rule: AlertRuleSpec = { ...base, name: 'lag', kind: 'kafka_lag', maxLag: 1000 };
    expect(observe(rule, { now: 0, lag: [lagReport(1000, 'OK')] })?.[0]).toMatchObject({
      active: false,
      labels: { group: 'g', topic: 't' },
    });
    expect(observe(rule, { now: 0, lag: [lagReport(1001, 'OK')] })?.[0]?.active).toBe(true);
    const status: AlertRuleSpec = {
      ...base,
      name: 's',
      kind: 'kafka_lag',
      statuses: ['STALL', 'STOP'],
    };
    const stopped = observe(status, { now: 0, lag: [lagReport(5, 'STOP')] })?.[0];
    expect(stopped).toMatchObject({ active: true, value: 5 });
    expect(stopped?.summary).toContain('status STOP (partition 0: because)');
    expect(observe(status, { now: 0, lag: [lagReport(5, 'WARN')] })?.[0]?.active).toBe(false);
  });

  it('kafka_lag: says nothing about a group whose offsets could not be read', () => {
    const rule: AlertRuleSpec = { ...base, name: 'lag', kind: 'kafka_lag', maxLag: 1 };
    expect(observe(rule, { now: 0, lag: [lagReport(0, 'UNKNOWN', 'broker down')] })).toEqual([]);
    expect(observe(rule, { now: 0 })).toBeUndefined();
  });

  it('check_failed: one instance per asset and check, filtered by severity and assets', () => {
    const rule: AlertRuleSpec = {
      ...base,
      name: 'c',
      kind: 'check_failed',
      checkSeverity: 'error',
    };
    const signals: Signals = {
      now: 0,
      checks: [
        {
          asset: 'gold',
          check: 'not_null',
          severity: 'error',
          status: 'failed',
          message: '3 rows',
          at: 0,
        },
        { asset: 'gold', check: 'unique', severity: 'error', status: 'passed', at: 0 },
        { asset: 'gold', check: 'soft', severity: 'warn', status: 'warned', at: 0 },
      ],
    };
    const seen = observe(rule, signals)!;
    expect(seen.map((o) => [o.labels.check, o.active])).toEqual([
      ['not_null', true],
      ['unique', false],
    ]);
    expect(seen[0]?.summary).toBe('check not_null on gold (error): failed: 3 rows');
    const warnToo: AlertRuleSpec = {
      ...base,
      name: 'c',
      kind: 'check_failed',
      checkSeverity: 'warn',
      assets: ['gold'],
    };
    expect(observe(warnToo, signals)!.filter((o) => o.active)).toHaveLength(2);
    const other: AlertRuleSpec = {
      ...base,
      name: 'c',
      kind: 'check_failed',
      checkSeverity: 'warn',
      assets: ['silver'],
    };
    expect(observe(other, signals)).toEqual([]);
  });

  it('staleness: fires when data time is older than maxAge; unknown data time does not fire', () => {
    const rule: AlertRuleSpec = {
      ...base,
      name: 'stale',
      kind: 'staleness',
      asset: 'gold',
      maxAgeMs: 2 * HOUR,
    };
    const now = 10 * HOUR;
    expect(
      observe(rule, { now, dataTimes: new Map([['gold', now - 2 * HOUR]]) })?.[0]?.active,
    ).toBe(false);
    const stale = observe(rule, { now, dataTimes: new Map([['gold', now - 3 * HOUR]]) })?.[0];
    expect(stale).toMatchObject({
      active: true,
      value: 3 * 3600,
      summary: 'gold data is 3h old (limit 2h)',
    });
    expect(observe(rule, { now, dataTimes: new Map([['gold', null]]) })?.[0]?.active).toBe(false);
  });

  describe('metric rules', () => {
    const family = (value: number): MetricFamily => ({
      name: 'x_total',
      help: 'h',
      type: 'counter',
      values: [{ value, labels: {} }],
    });
    /** One sample per second of a counter following `values`. */
    function history(values: number[]): MetricHistory {
      const h = new MetricHistory(HOUR);
      values.forEach((v, i) =>
        h.record([{ instance: 'a', role: 'r', at: i * 1000, metrics: [family(v)] }], i * 1000),
      );
      return h;
    }

    it('counter_increase: fires on more than threshold within the window', () => {
      const rule: AlertRuleSpec = {
        ...base,
        name: 'e',
        kind: 'counter_increase',
        metric: 'x_total',
        labels: {},
        threshold: 5,
        windowMs: 5_000,
      };
      expect(
        observe(rule, { now: 10_000, metrics: history([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]) })?.[0],
      ).toMatchObject({ active: false, value: 5 });
      expect(
        observe(rule, { now: 10_000, metrics: history([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 6]) })?.[0],
      ).toMatchObject({ active: true, value: 6 });
    });

    it('counter_increase: fires on a short history, but does not resolve on one', () => {
      const rule: AlertRuleSpec = {
        ...base,
        name: 'e',
        kind: 'counter_increase',
        metric: 'x_total',
        labels: {},
        threshold: 5,
        windowMs: 60_000,
      };
      expect(observe(rule, { now: 2_000, metrics: history([0, 10, 20]) })?.[0]?.active).toBe(true);
      expect(observe(rule, { now: 2_000, metrics: history([0, 1, 2]) })).toBeUndefined();
    });

    it('rate_below_baseline: compares the recent rate with the long one once the baseline is covered', () => {
      const rule: AlertRuleSpec = {
        ...base,
        name: 'tput',
        kind: 'rate_below_baseline',
        metric: 'x_total',
        labels: {},
        windowMs: 5_000,
        baselineMs: 20_000,
        ratio: 0.5,
        minBaselineRate: 0.1,
      };
      // 10/s for 20 s, then 1/s for the last 5 s.
      const steady = Array.from({ length: 21 }, (_, i) => i * 10);
      const slowing = [...steady.slice(0, 16), ...[1, 2, 3, 4, 5].map((d) => 150 + d)];
      expect(observe(rule, { now: 20_000, metrics: history(steady) })?.[0]?.active).toBe(false);
      expect(observe(rule, { now: 20_000, metrics: history(slowing) })?.[0]).toMatchObject({
        active: true,
        value: 1,
      });
      expect(
        observe(rule, { now: 10_000, metrics: history(slowing.slice(0, 11)) }),
      ).toBeUndefined();
      // A quiet pipeline (baseline under minBaselineRate) has nothing to fall below.
      expect(
        observe(rule, { now: 20_000, metrics: history(Array.from({ length: 21 }, () => 0)) })?.[0]
          ?.active,
      ).toBe(false);
    });
  });
});
