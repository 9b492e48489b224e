/**
 * The monitoring keys in Redis, under the same prefix as the rest of Strata (STRATA_KEY_PREFIX,
 * default `strata:`), so a test isolates everything with one unique prefix.
 *
 *   <p>monitor:lease              string: token of the monitor that evaluates (PX expiry), with
 *                                 :fence and :log (src/redis/lease.ts)
 *   <p>monitor:alerts             hash: alert instance id -> JSON state
 *   <p>monitor:alerts:history     list: transitions, newest first, trimmed
 *   <p>monitor:lag                string: JSON of the latest lag reports
 *   <p>monitor:samples            zset: one JSON health sample per pass (lag per partition,
 *                                 ingest counts, alerts firing) scored by its time, last ~2 h
 *   <p>monitor:storage            string: JSON of the latest storage objects per day (PX expiry)
 *   <p>metrics:instances          set: ids of processes publishing metric snapshots
 *   <p>metrics:snapshot:<id>      string: JSON snapshot of one process's registry (PX expiry)
 */
export class MonitorKeys {
  constructor(readonly prefix: string) {}

  lease(): string {
    return `${this.prefix}monitor:lease`;
  }
  alerts(): string {
    return `${this.prefix}monitor:alerts`;
  }
  alertHistory(): string {
    return `${this.prefix}monitor:alerts:history`;
  }
  lag(): string {
    return `${this.prefix}monitor:lag`;
  }
  healthSamples(): string {
    return `${this.prefix}monitor:samples`;
  }
  storageDays(): string {
    return `${this.prefix}monitor:storage`;
  }
  metricInstances(): string {
    return `${this.prefix}metrics:instances`;
  }
  metricSnapshot(instance: string): string {
    return `${this.prefix}metrics:snapshot:${instance}`;
  }
}
