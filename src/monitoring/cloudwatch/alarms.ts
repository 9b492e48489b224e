import {
  PutMetricAlarmCommand,
  type CloudWatchClient,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { AlertRuleSpec, MonitoringSettings } from '../../config/types.ts';
import { withDeadline } from '../../shared/deadline.ts';
import { CLOUDWATCH_CALL_TIMEOUT_MS } from './client.ts';
import { cloudWatchName } from './datums.ts';

/**
 * Mirrors alert rules as CloudWatch alarms on the metrics the monitor publishes, for teams that
 * route alarms through AWS (SNS, OpsCenter). Only rules with a CloudWatch equivalent are
 * mirrored: lag above a limit, staleness, counter increases and slow observations. Status-based
 * lag rules, check failures and baselines stay with Strata's own evaluation.
 */
export function alarmsForRules(
  rules: readonly AlertRuleSpec[],
  settings: Pick<MonitoringSettings, 'cloudwatch' | 'lag'>,
  alarmPrefix = 'strata',
): PutMetricAlarmCommandInput[] {
  const { namespace, dimensions, intervalMs } = settings.cloudwatch;
  // CloudWatch periods are 10, 30 or a multiple of 60 seconds.
  const period = Math.max(60, Math.round(intervalMs / 60_000) * 60);
  const dims = (extra: Record<string, string>) =>
    Object.entries({ ...dimensions, ...extra }).map(([Name, Value]) => ({ Name, Value }));
  const common = (rule: AlertRuleSpec, suffix: string) => ({
    AlarmName: `${alarmPrefix}-${rule.name}${suffix}`,
    AlarmDescription: rule.description ?? `Strata alert rule ${rule.name}`,
    Namespace: namespace,
    Period: period,
    EvaluationPeriods: Math.max(1, Math.ceil(rule.forMs / 1000 / period)),
    TreatMissingData: 'notBreaching',
    ComparisonOperator: 'GreaterThanThreshold' as const,
  });

  const alarms: PutMetricAlarmCommandInput[] = [];
  for (const rule of rules) {
    if (!rule.enabled) continue;
    switch (rule.kind) {
      case 'kafka_lag':
        if (rule.maxLag === undefined) break;
        for (const { group, topic } of settings.lag.groups) {
          alarms.push({
            ...common(rule, `-${group}-${topic}`),
            MetricName: cloudWatchName('strata_kafka_consumer_group_lag'),
            Dimensions: dims({ group, topic }),
            Statistic: 'Maximum',
            Threshold: rule.maxLag,
          });
        }
        break;
      case 'staleness':
        if (rule.maxAgeMs === undefined) break;
        alarms.push({
          ...common(rule, ''),
          MetricName: cloudWatchName('strata_asset_freshness_lag_seconds'),
          Dimensions: dims({ asset: rule.asset }),
          Statistic: 'Maximum',
          Threshold: rule.maxAgeMs / 1000,
        });
        break;
      case 'counter_increase': {
        const periods = Math.max(1, Math.round(rule.windowMs / 1000 / period));
        alarms.push({
          ...common(rule, ''),
          MetricName: cloudWatchName(rule.metric),
          Dimensions: dims(rule.labels),
          Statistic: 'Sum',
          Period: period * periods,
          Threshold: rule.threshold,
        });
        break;
      }
      case 'histogram_above':
        alarms.push({
          ...common(rule, ''),
          MetricName: cloudWatchName(rule.metric),
          Dimensions: dims(rule.labels),
          Statistic: 'Maximum',
          Threshold: rule.threshold,
        });
        break;
      case 'check_failed':
      case 'rate_below_baseline':
        break;
    }
  }
  return alarms;
}

/** Creates or updates the alarms (PutMetricAlarm is an upsert), each call within its deadline. */
export async function syncAlarms(
  client: Pick<CloudWatchClient, 'send'>,
  alarms: readonly PutMetricAlarmCommandInput[],
  callTimeoutMs = CLOUDWATCH_CALL_TIMEOUT_MS,
): Promise<void> {
  for (const alarm of alarms) {
    await withDeadline(
      `CloudWatch PutMetricAlarm ${alarm.AlarmName}`,
      callTimeoutMs,
      (abortSignal) => client.send(new PutMetricAlarmCommand(alarm), { abortSignal }),
    );
  }
}
