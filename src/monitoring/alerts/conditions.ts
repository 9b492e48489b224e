import { formatDuration } from '../../shared/durations.ts';
import type { Signals } from './signals.ts';
import type { AlertRuleSpec, Observation } from './types.ts';

/**
 * What each rule kind sees in the signals, as one observation per alert instance. Undefined
 * means "cannot tell this pass" (source unreadable, history too short to be sure): the engine
 * then leaves the rule's alerts as they are.
 */
export function observe(rule: AlertRuleSpec, signals: Signals): Observation[] | undefined {
  switch (rule.kind) {
    case 'kafka_lag':
      return kafkaLag(rule, signals);
    case 'check_failed':
      return checkFailed(rule, signals);
    case 'staleness':
      return staleness(rule, signals);
    case 'counter_increase':
      return counterIncrease(rule, signals);
    case 'rate_below_baseline':
      return rateBelowBaseline(rule, signals);
    case 'histogram_above':
      return histogramAbove(rule, signals);
  }
}

type RuleOf<K extends AlertRuleSpec['kind']> = Extract<AlertRuleSpec, { kind: K }>;

function kafkaLag(rule: RuleOf<'kafka_lag'>, { lag }: Signals): Observation[] | undefined {
  if (lag === undefined) return undefined;
  return lag
    .filter((report) => report.error === undefined)
    .map((report) => {
      const overLag = rule.maxLag !== undefined && report.totalLag > rule.maxLag;
      const badStatus =
        rule.statuses !== undefined && (rule.statuses as readonly string[]).includes(report.status);
      const worst = report.partitions.find((p) => p.status === report.status && p.status !== 'OK');
      return {
        labels: { group: report.group, topic: report.topic },
        active: overLag || badStatus,
        value: report.totalLag,
        summary:
          `consumer group ${report.group} on ${report.topic}: lag ${report.totalLag}` +
          (rule.maxLag !== undefined ? ` (limit ${rule.maxLag})` : '') +
          `, status ${report.status}` +
          (worst ? ` (partition ${worst.partition}: ${worst.reason})` : ''),
      };
    });
}

function checkFailed(rule: RuleOf<'check_failed'>, { checks }: Signals): Observation[] | undefined {
  if (checks === undefined) return undefined;
  return checks
    .filter((c) => rule.checkSeverity === 'warn' || c.severity === 'error')
    .filter((c) => rule.assets === undefined || rule.assets.includes(c.asset))
    .map((c) => {
      const failed = c.status === 'failed' || c.status === 'warned';
      return {
        labels: { asset: c.asset, check: c.check },
        active: failed,
        value: failed ? 1 : 0,
        summary: `check ${c.check} on ${c.asset} (${c.severity}): ${c.status}${c.message ? `: ${c.message}` : ''}`,
      };
    });
}

function staleness(
  rule: RuleOf<'staleness'>,
  { dataTimes, now }: Signals,
): Observation[] | undefined {
  if (dataTimes === undefined || rule.maxAgeMs === undefined) return undefined;
  const dataTime = dataTimes.get(rule.asset) ?? null;
  if (dataTime === null) {
    return [
      {
        labels: { asset: rule.asset },
        active: false,
        value: null,
        summary: `${rule.asset} has no data time yet`,
      },
    ];
  }
  const age = now - dataTime;
  return [
    {
      labels: { asset: rule.asset },
      active: age > rule.maxAgeMs,
      value: Math.round(age / 1000),
      summary: `${rule.asset} data is ${formatDuration(Math.max(0, age))} old (limit ${formatDuration(rule.maxAgeMs)})`,
    },
  ];
}

function counterIncrease(
  rule: RuleOf<'counter_increase'>,
  { metrics, now }: Signals,
): Observation[] | undefined {
  if (metrics === undefined) return undefined;
  const value = metrics.increase(rule.metric, rule.labels, rule.windowMs, now);
  const active = value > rule.threshold;
  // A short history gives a lower bound: enough to fire, not enough to resolve.
  if (!active && !metrics.covers(rule.windowMs, now)) return undefined;
  return [
    {
      labels: rule.labels,
      active,
      value,
      summary: `${rule.metric} grew by ${value} within ${formatDuration(rule.windowMs)} (limit ${rule.threshold})`,
    },
  ];
}

function rateBelowBaseline(
  rule: RuleOf<'rate_below_baseline'>,
  { metrics, now }: Signals,
): Observation[] | undefined {
  if (metrics === undefined || !metrics.covers(rule.baselineMs, now)) return undefined;
  const recent =
    metrics.increase(rule.metric, rule.labels, rule.windowMs, now) / (rule.windowMs / 1000);
  const baseline =
    metrics.increase(rule.metric, rule.labels, rule.baselineMs, now) / (rule.baselineMs / 1000);
  const active = baseline >= rule.minBaselineRate && recent < rule.ratio * baseline;
  return [
    {
      labels: rule.labels,
      active,
      value: round(recent),
      summary: `${rule.metric} at ${round(recent)}/s over ${formatDuration(rule.windowMs)}, baseline ${round(baseline)}/s over ${formatDuration(rule.baselineMs)} (alert below ${Math.round(rule.ratio * 100)}%)`,
    },
  ];
}

function histogramAbove(
  rule: RuleOf<'histogram_above'>,
  { metrics, now }: Signals,
): Observation[] | undefined {
  if (metrics === undefined) return undefined;
  const count = metrics.histogramAbove(
    rule.metric,
    rule.labels,
    rule.threshold,
    rule.windowMs,
    now,
  );
  const active = count > 0;
  if (!active && !metrics.covers(rule.windowMs, now)) return undefined;
  return [
    {
      labels: rule.labels,
      active,
      value: count,
      summary: `${count} observation(s) of ${rule.metric} above ${rule.threshold} within ${formatDuration(rule.windowMs)}`,
    },
  ];
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
