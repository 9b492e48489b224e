import type { MetricDatum, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { MetricHistory, Series, Tick } from '../metrics/history.ts';

/**
 * Turns one tick of the deployment-wide metric history into CloudWatch datums:
 * counters as their increase since the previous tick (CloudWatch sums per period), gauges as
 * their value, histograms as a distribution (Values = bucket upper bounds, Counts = observations
 * in each bucket; observations above the largest bound are reported at that bound). Only Strata's
 * own metrics go out (`strata_*`), named without the prefix in PascalCase, with their labels as
 * dimensions beside the configured ones.
 */
export function datumsFromTick(
  tick: Tick,
  history: MetricHistory,
  dimensions: Readonly<Record<string, string>>,
): MetricDatum[] {
  const timestamp = new Date(tick.at);
  const datums: MetricDatum[] = [];
  const histograms = new Map<
    string,
    {
      family: string;
      labels: Record<string, string>;
      buckets: Array<{ le: number; cumulative: number }>;
    }
  >();

  for (const [key, value] of tick.gauges) {
    const series = history.describe(key);
    if (!series || !exported(series.family)) continue;
    datums.push(
      datum(
        series.family,
        series.labels,
        value,
        unitOf(series.family, 'gauge'),
        dimensions,
        timestamp,
      ),
    );
  }
  for (const key of tick.cumulative) {
    const series = history.describe(key);
    if (!series || !exported(series.family)) continue;
    const increase = tick.increases.get(key) ?? 0;
    if (series.kind === 'counter') {
      datums.push(datum(series.family, series.labels, increase, 'Count', dimensions, timestamp));
    } else if (series.kind === 'histogram' && series.name === `${series.family}_bucket`) {
      const { le, ...labels } = series.labels;
      const groupKey = `${series.family}${JSON.stringify(Object.entries(labels).sort())}`;
      const group = histograms.get(groupKey) ?? { family: series.family, labels, buckets: [] };
      group.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), cumulative: increase });
      histograms.set(groupKey, group);
    }
  }
  for (const h of histograms.values()) {
    const distribution = toDistribution(h.buckets);
    if (distribution.values.length === 0) continue;
    datums.push({
      MetricName: cloudWatchName(h.family),
      Dimensions: dimensionsOf(h.labels, dimensions),
      Timestamp: timestamp,
      Values: distribution.values,
      Counts: distribution.counts,
      Unit: unitOf(h.family, 'histogram'),
    });
  }
  return datums;
}

/** `strata_kafka_consumer_group_lag` -> `KafkaConsumerGroupLag`; `_total` is dropped. */
export function cloudWatchName(family: string): string {
  return family
    .replace(/^strata_/, '')
    .replace(/_total$/, '')
    .split('_')
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

function exported(family: string): boolean {
  return family.startsWith('strata_') && !family.startsWith('strata_cloudwatch_');
}

function datum(
  family: string,
  labels: Readonly<Record<string, string>>,
  value: number,
  unit: StandardUnit,
  dimensions: Readonly<Record<string, string>>,
  timestamp: Date,
): MetricDatum {
  return {
    MetricName: cloudWatchName(family),
    Dimensions: dimensionsOf(labels, dimensions),
    Timestamp: timestamp,
    Value: value,
    Unit: unit,
  };
}

/** CloudWatch allows 30 dimensions and no empty values. */
function dimensionsOf(
  labels: Readonly<Record<string, string>>,
  fixed: Readonly<Record<string, string>>,
): Array<{ Name: string; Value: string }> {
  const all = { ...fixed, ...labels };
  return Object.entries(all)
    .filter(([, value]) => value !== '')
    .slice(0, 30)
    .map(([Name, Value]) => ({ Name, Value }));
}

function unitOf(family: string, kind: Series['kind']): StandardUnit {
  if (family.endsWith('_seconds')) return 'Seconds';
  if (family.endsWith('_bytes') || family.endsWith('_bytes_total')) return 'Bytes';
  return kind === 'gauge' ? 'None' : 'Count';
}

/** Cumulative bucket increases -> observations per bucket, reported at the bucket's upper bound. */
function toDistribution(buckets: Array<{ le: number; cumulative: number }>): {
  values: number[];
  counts: number[];
} {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const values: number[] = [];
  const counts: number[] = [];
  let below = 0;
  let largestFinite = 0;
  for (const { le, cumulative } of sorted) {
    if (Number.isFinite(le)) largestFinite = le;
    const count = cumulative - below;
    below = Math.max(below, cumulative);
    if (count <= 0) continue;
    values.push(Number.isFinite(le) ? le : largestFinite);
    counts.push(count);
  }
  return { values, counts };
}
