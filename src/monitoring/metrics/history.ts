import type { InstanceSnapshot, MetricFamily } from './snapshot.ts';

/**
 * Deployment-wide metric history built from the processes' snapshots, for alert rules and
 * CloudWatch. Counters (and histogram buckets, sums and counts) are turned into increases per
 * process before they are summed, as Prometheus does: a process that restarts or disappears
 * must not look like a drop or a spike. A process seen for the first time contributes from its
 * second snapshot on, so a monitor restart does not count every process's lifetime total as new.
 */

export type MetricKind = MetricFamily['type'];

export interface Series {
  /** The sample name: `x_total`, `x_bucket`, `x_sum`, `x_count`, or the family name for gauges. */
  name: string;
  family: string;
  kind: MetricKind;
  labels: Readonly<Record<string, string>>;
}

export interface Tick {
  at: number;
  /** Increase since the previous tick, per cumulative series key (counters, histograms). */
  increases: Map<string, number>;
  /** Sum over processes of each gauge series key. */
  gauges: Map<string, number>;
  /** Cumulative series present in this tick's snapshots (an absent increase means zero). */
  cumulative: Set<string>;
}

export class MetricHistory {
  private readonly ticks: Tick[] = [];
  private readonly series = new Map<string, Series>();
  private readonly last = new Map<string, Map<string, number>>();

  /** retentionMs: the longest window any rule asks about. */
  constructor(private readonly retentionMs: number) {}

  record(snapshots: readonly InstanceSnapshot[], at: number): Tick {
    const tick: Tick = { at, increases: new Map(), gauges: new Map(), cumulative: new Set() };
    const seen = new Set<string>();
    for (const snapshot of snapshots) {
      seen.add(snapshot.instance);
      const previous = this.last.get(snapshot.instance);
      const current = new Map<string, number>();
      for (const family of snapshot.metrics) {
        for (const sample of family.values) {
          const series = this.seriesOf(family, sample.metricName ?? family.name, sample.labels);
          if (family.type === 'gauge') {
            tick.gauges.set(series, (tick.gauges.get(series) ?? 0) + sample.value);
            continue;
          }
          if (family.type === 'summary') continue;
          current.set(series, sample.value);
          tick.cumulative.add(series);
          if (previous === undefined) continue;
          const before = previous.get(series);
          // A series new in a known process started from zero; a smaller value is a restart.
          const increase =
            before === undefined || sample.value < before ? sample.value : sample.value - before;
          if (increase > 0)
            tick.increases.set(series, (tick.increases.get(series) ?? 0) + increase);
        }
      }
      this.last.set(snapshot.instance, current);
    }
    for (const instance of this.last.keys()) if (!seen.has(instance)) this.last.delete(instance);
    this.ticks.push(tick);
    this.prune(at);
    return tick;
  }

  /** Series sampled so far, by key. */
  describe(key: string): Series | undefined {
    return this.series.get(key);
  }

  /** Sum of one tick's increases of the cumulative series named `name`, over all labels. */
  tickIncrease(tick: Tick, name: string): number {
    let total = 0;
    for (const [key, value] of tick.increases)
      if (this.series.get(key)?.name === name) total += value;
    return total;
  }

  /** Whether the history reaches back at least `windowMs` before `now`. */
  covers(windowMs: number, now: number): boolean {
    const first = this.ticks[0];
    return first !== undefined && first.at <= now - windowMs;
  }

  /** Sum of increases of the matching cumulative series within (now - windowMs, now]. */
  increase(
    name: string,
    labels: Readonly<Record<string, string>>,
    windowMs: number,
    now: number,
  ): number {
    let total = 0;
    for (const tick of this.ticks) {
      if (tick.at <= now - windowMs || tick.at > now) continue;
      for (const [key, value] of tick.increases)
        if (this.matches(key, name, labels)) total += value;
    }
    return total;
  }

  /**
   * Observations of a histogram above `threshold` within the window: count minus the bucket at
   * the smallest bound >= threshold. Align thresholds with bucket bounds for exact answers;
   * otherwise observations between the threshold and the next bound are not counted.
   */
  histogramAbove(
    family: string,
    labels: Readonly<Record<string, string>>,
    threshold: number,
    windowMs: number,
    now: number,
  ): number {
    const bounds = new Set<number>();
    for (const s of this.series.values()) {
      if (s.name === `${family}_bucket` && s.labels.le !== undefined && s.labels.le !== '+Inf')
        bounds.add(Number(s.labels.le));
    }
    const bound = [...bounds].filter((b) => b >= threshold).sort((a, b) => a - b)[0];
    const count = this.increase(`${family}_count`, labels, windowMs, now);
    if (bound === undefined) return 0;
    return Math.max(
      0,
      count - this.increase(`${family}_bucket`, { ...labels, le: String(bound) }, windowMs, now),
    );
  }

  private matches(key: string, name: string, labels: Readonly<Record<string, string>>): boolean {
    const series = this.series.get(key);
    if (series === undefined || series.name !== name) return false;
    return Object.entries(labels).every(([k, v]) => series.labels[k] === v);
  }

  private seriesOf(
    family: MetricFamily,
    name: string,
    raw: Record<string, string | number>,
  ): string {
    const labels = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
    const key = seriesKey(name, labels);
    if (!this.series.has(key))
      this.series.set(key, { name, family: family.name, kind: family.type, labels });
    return key;
  }

  private prune(now: number): void {
    const keepAfter = now - this.retentionMs;
    let dropped = false;
    while (this.ticks.length > 1 && (this.ticks[0] as Tick).at < keepAfter) {
      this.ticks.shift();
      dropped = true;
    }
    if (!dropped) return;
    // Label values come and go (days, partitions): forget series no retained tick mentions.
    const live = new Set<string>();
    for (const tick of this.ticks)
      for (const key of [...tick.increases.keys(), ...tick.gauges.keys()]) live.add(key);
    for (const key of this.series.keys()) if (!live.has(key)) this.series.delete(key);
  }
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${name}{${parts.join(',')}}`;
}
