import { Gauge, type Registry } from 'prom-client';
import type { GroupLagReport } from '../lag/report.ts';

const STATUSES = ['OK', 'WARN', 'STALL', 'STOP', 'REWIND', 'UNKNOWN'] as const;

/** Kafka lag as the monitor last evaluated it. Only the monitor holding the lease sets these. */
export class LagMetrics {
  readonly partitionLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly groupLag: Gauge<'group' | 'topic'>;
  readonly status: Gauge<'group' | 'topic' | 'status'>;

  constructor(registry: Registry) {
    this.partitionLag = new Gauge({
      name: 'strata_kafka_consumer_lag',
      help: 'Messages a consumer group has yet to read, per partition',
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
    });
    this.groupLag = new Gauge({
      name: 'strata_kafka_consumer_group_lag',
      help: 'Messages a consumer group has yet to read on a topic, all partitions',
      labelNames: ['group', 'topic'],
      registers: [registry],
    });
    this.status = new Gauge({
      name: 'strata_kafka_consumer_status',
      help: 'Burrow-style status of a consumer group on a topic: 1 for the current status, 0 otherwise',
      labelNames: ['group', 'topic', 'status'],
      registers: [registry],
    });
  }

  record(report: GroupLagReport): void {
    const { group, topic } = report;
    for (const status of STATUSES)
      this.status.set({ group, topic, status }, status === report.status ? 1 : 0);
    if (report.error !== undefined) return;
    this.groupLag.set({ group, topic }, report.totalLag);
    for (const p of report.partitions)
      this.partitionLag.set({ group, topic, partition: String(p.partition) }, p.lag);
  }

  clear(): void {
    this.partitionLag.reset();
    this.groupLag.reset();
    this.status.reset();
  }
}
