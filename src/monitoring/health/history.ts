import type { RedisClient } from '../../redis/connection.ts';
import type { AlertState } from '../alerts/types.ts';
import type { MonitorKeys } from '../keys.ts';
import type { GroupLagReport } from '../lag/report.ts';
import type { DayStats } from '../storage/storage-stats.ts';

/**
 * The pipeline health page's time series, kept in Redis by the monitor that evaluates: one sample
 * per pass in a sorted set scored by its time, trimmed to the retention and to a count (a short
 * interval must not grow it), and the latest storage counts per day. Raw offsets and counts are
 * stored, not rates: rates are differences between neighbouring samples, computed by the reader,
 * so a missed or failed pass widens one interval instead of inventing a figure.
 */

/** One pass of the leading monitor. */
export interface HealthSample {
  at: number;
  /** Offsets of every partition of every watched group read in this pass (unreadable groups absent). */
  partitions: PartitionSample[];
  /**
   * Records the ingest processes consumed and landed (valid records written), and objects they
   * wrote, since the previous pass, from their published counters; null on the monitor's first
   * metrics pass (no previous to count from) or when the metrics could not be read.
   */
  ingest: { consumed: number; landed: number; objects: number; sinceMs: number } | null;
  /** Alerts firing after this pass's evaluation; null when the evaluation failed. */
  firing: number | null;
}

export interface PartitionSample {
  group: string;
  topic: string;
  partition: number;
  lag: number;
  committed: number;
  logEnd: number;
}

/** Storage objects per day as the monitor last counted them. */
export interface StorageSnapshot {
  at: number;
  days: DayStats[];
}

export const HEALTH_RETENTION_MS = 2 * 3_600_000;
/** At most this many samples: two hours at a 7.2 s interval; shorter intervals keep less time. */
export const HEALTH_MAX_SAMPLES = 1_000;

export function healthSample(
  at: number,
  lag: readonly GroupLagReport[] | undefined,
  ingest: HealthSample['ingest'],
  alerts: readonly AlertState[] | undefined,
): HealthSample {
  const partitions: PartitionSample[] = [];
  for (const report of lag ?? []) {
    if (report.status === 'UNKNOWN') continue;
    for (const p of report.partitions)
      partitions.push({
        group: report.group,
        topic: report.topic,
        partition: p.partition,
        lag: p.lag,
        committed: p.committed,
        logEnd: p.logEnd,
      });
  }
  return {
    at,
    partitions,
    ingest,
    firing: alerts === undefined ? null : alerts.filter((a) => a.phase === 'firing').length,
  };
}

export class HealthHistory {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: MonitorKeys,
    private readonly retentionMs = HEALTH_RETENTION_MS,
    private readonly maxSamples = HEALTH_MAX_SAMPLES,
  ) {}

  /** Adds a sample and trims by age and count, in one transaction. */
  async record(sample: HealthSample): Promise<void> {
    const key = this.keys.healthSamples();
    await this.redis
      .multi()
      .zadd(key, sample.at, JSON.stringify(sample))
      .zremrangebyscore(key, '-inf', `(${sample.at - this.retentionMs}`)
      .zremrangebyrank(key, 0, -this.maxSamples - 1)
      // A monitor that stops leaves nothing behind for longer than the retention.
      .pexpire(key, this.retentionMs)
      .exec();
  }

  async recordStorage(snapshot: StorageSnapshot): Promise<void> {
    await this.redis.set(this.keys.storageDays(), JSON.stringify(snapshot), 'PX', this.retentionMs);
  }

  /** Samples taken after `since`, oldest first. */
  async samples(since: number): Promise<HealthSample[]> {
    const raw = await this.redis.zrangebyscore(this.keys.healthSamples(), `(${since}`, '+inf');
    return raw.map((json) => JSON.parse(json) as HealthSample);
  }

  async storage(): Promise<StorageSnapshot | null> {
    const json = await this.redis.get(this.keys.storageDays());
    return json === null ? null : (JSON.parse(json) as StorageSnapshot);
  }
}
