import { Counter, Gauge, type Registry } from 'prom-client';

/** The monitor's own health: alerts firing, notifications sent, CloudWatch publishing. */
export class MonitorMetrics {
  readonly alertsFiring: Gauge<'rule' | 'severity'>;
  readonly notifications: Counter<'sink' | 'outcome'>;
  readonly cloudwatchSent: Counter;
  readonly cloudwatchDropped: Counter<'reason'>;
  readonly cloudwatchBuffered: Gauge;
  readonly cloudwatchErrors: Counter<'kind'>;
  readonly evaluationErrors: Counter<'step'>;

  constructor(registry: Registry) {
    this.alertsFiring = new Gauge({
      name: 'strata_alerts_firing',
      help: 'Alert instances currently firing, by rule',
      labelNames: ['rule', 'severity'],
      registers: [registry],
    });
    this.notifications = new Counter({
      name: 'strata_alert_notifications_total',
      help: 'Alert notifications delivered or failed, by sink',
      labelNames: ['sink', 'outcome'],
      registers: [registry],
    });
    this.cloudwatchSent = new Counter({
      name: 'strata_cloudwatch_datums_sent_total',
      help: 'Metric datums accepted by CloudWatch PutMetricData',
      registers: [registry],
    });
    this.cloudwatchDropped = new Counter({
      name: 'strata_cloudwatch_datums_dropped_total',
      help: 'Metric datums dropped: buffer full (oldest first) or rejected by CloudWatch',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.cloudwatchBuffered = new Gauge({
      name: 'strata_cloudwatch_buffered_datums',
      help: 'Metric datums waiting to be sent to CloudWatch',
      registers: [registry],
    });
    this.cloudwatchErrors = new Counter({
      name: 'strata_cloudwatch_publish_errors_total',
      help: 'Failed PutMetricData calls, by kind (transient, credentials, rejected)',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.evaluationErrors = new Counter({
      name: 'strata_monitor_errors_total',
      help: 'Monitor passes whose step failed (lag, storage, assets, metrics, alerts)',
      labelNames: ['step'],
      registers: [registry],
    });
  }
}
