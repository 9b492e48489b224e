import { describe, expect, it } from 'vitest';
import { MetricHistory } from '../../../src/monitoring/metrics/history.ts';
import type { InstanceSnapshot, MetricFamily } from '../../../src/monitoring/metrics/snapshot.ts';

const counter = (value: number, labels: Record<string, string> = {}): MetricFamily => ({
  name: 'errors_total',
  help: 'h',
  type: 'counter',
  values: [{ value, labels }],
});
const snap = (instance: string, ...metrics: MetricFamily[]): InstanceSnapshot => ({
  instance,
  role: 'ingest',
  at: 0,
  metrics,
});

describe('deployment-wide metric history', () => {
  it('counts increases per process, not lifetime totals of processes it meets for the first time', () => {
    const h = new MetricHistory(60_000);
    h.record([snap('a', counter(100))], 1_000);
    h.record([snap('a', counter(103))], 2_000);
    expect(h.increase('errors_total', {}, 60_000, 2_000)).toBe(3);
  });

  it('treats a smaller value as a restart, and a vanished process as no change', () => {
    const h = new MetricHistory(60_000);
    h.record([snap('a', counter(10)), snap('b', counter(50))], 1_000);
    h.record([snap('a', counter(2)), snap('b', counter(51))], 2_000);
    h.record([snap('a', counter(4))], 3_000);
    expect(h.increase('errors_total', {}, 60_000, 3_000)).toBe(2 + 1 + 2);
  });

  it('counts only increases inside the window, and filters by labels', () => {
    const h = new MetricHistory(60_000);
    const two = (x: number, y: number): MetricFamily => ({
      name: 'errors_total',
      help: 'h',
      type: 'counter',
      values: [
        { value: x, labels: { kind: 'x' } },
        { value: y, labels: { kind: 'y' } },
      ],
    });
    h.record([snap('a', two(0, 0))], 0);
    h.record([snap('a', two(5, 1))], 10_000);
    h.record([snap('a', two(6, 3))], 20_000);
    expect(h.increase('errors_total', {}, 10_000, 20_000)).toBe(3);
    expect(h.increase('errors_total', {}, 15_000, 20_000)).toBe(9);
    expect(h.increase('errors_total', { kind: 'x' }, 30_000, 20_000)).toBe(6);
    expect(h.increase('errors_total', { kind: 'y' }, 30_000, 20_000)).toBe(3);
  });

  it('knows whether it reaches back far enough to judge a window', () => {
    const h = new MetricHistory(60_000);
    h.record([], 10_000);
    h.record([], 20_000);
    expect(h.covers(10_000, 20_000)).toBe(true);
    expect(h.covers(15_000, 20_000)).toBe(false);
  });

  it('drops ticks older than its retention', () => {
    const h = new MetricHistory(10_000);
    h.record([snap('a', counter(0))], 0);
    h.record([snap('a', counter(5))], 5_000);
    h.record([snap('a', counter(6))], 30_000);
    expect(h.covers(20_000, 30_000)).toBe(false);
    expect(h.increase('errors_total', {}, 1_000_000, 30_000)).toBe(1);
  });

  it('counts histogram observations above a bucket bound within the window', () => {
    const h = new MetricHistory(60_000);
    const hist = (le10: number, le30: number, le60: number, inf: number): MetricFamily => ({
      name: 'upload_seconds',
      help: 'h',
      type: 'histogram',
      values: [
        { value: le10, labels: { le: 10 }, metricName: 'upload_seconds_bucket' },
        { value: le30, labels: { le: 30 }, metricName: 'upload_seconds_bucket' },
        { value: le60, labels: { le: 60 }, metricName: 'upload_seconds_bucket' },
        { value: inf, labels: { le: '+Inf' }, metricName: 'upload_seconds_bucket' },
        { value: inf, labels: {}, metricName: 'upload_seconds_count' },
      ],
    });
    h.record([snap('a', hist(5, 6, 6, 6))], 0);
    // Four more uploads: two under 10 s, one at 45 s, one at 90 s.
    h.record([snap('a', hist(7, 8, 9, 10))], 1_000);
    expect(h.histogramAbove('upload_seconds', {}, 30, 60_000, 1_000)).toBe(2);
    expect(h.histogramAbove('upload_seconds', {}, 60, 60_000, 1_000)).toBe(1);
    // 20 is no bound: the next bound up (30) is used, so nothing between 20 and 30 counts.
    expect(h.histogramAbove('upload_seconds', {}, 20, 60_000, 1_000)).toBe(2);
  });

  it('sums gauges over processes', () => {
    const h = new MetricHistory(60_000);
    const gauge = (v: number): MetricFamily => ({
      name: 'lag',
      help: 'h',
      type: 'gauge',
      values: [{ value: v, labels: { p: '0' } }],
    });
    const tick = h.record([snap('a', gauge(3)), snap('b', gauge(4))], 0);
    expect([...tick.gauges.values()]).toEqual([7]);
  });
});
