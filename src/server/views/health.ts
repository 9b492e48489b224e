import type { RedisClient } from '../../redis/connection.ts';
import { z } from 'zod';
import type { AlertEvent, AlertState } from '../../monitoring/alerts/types.ts';
import {
  HealthHistory,
  type HealthSample,
  type StorageSnapshot,
} from '../../monitoring/health/history.ts';
import { MonitorKeys } from '../../monitoring/keys.ts';
import { readMonitoringStatus } from '../../monitoring/status.ts';

/** The pipeline health page and GET /api/health: series over the last `minutes`, oldest first. */
export interface PipelineHealth {
  generatedAt: number;
  monitorActive: boolean;
  windowMs: number;
  /** Each sample's time in seconds (uPlot's x values), shared by every series below. */
  t: number[];
  /** Consumer lag per partition of each watched group; null where a pass could not read it. */
  lag: LagSeries[];
  /** Records per second between neighbouring samples (null for the first, or across a reset). */
  throughput: RateSeries[];
  /** Alerts firing after each pass. */
  firing: Array<number | null>;
  storage: StorageSnapshot | null;
  alerts: { firing: AlertState[]; pending: AlertState[]; recent: AlertEvent[] };
}

export interface LagSeries {
  group: string;
  topic: string;
  partition: number;
  values: Array<number | null>;
}

export interface RateSeries {
  label: string;
  values: Array<number | null>;
}

export const healthQuerySchema = z.object({
  minutes: z.coerce.number().int().min(5).max(120).default(60),
});

/** Alert transitions the page lists. */
const RECENT_ALERTS = 50;

export async function readPipelineHealth(
  redis: RedisClient,
  keyPrefix: string,
  minutes: number,
  now = Date.now(),
): Promise<PipelineHealth> {
  const windowMs = minutes * 60_000;
  const history = new HealthHistory(redis, new MonitorKeys(keyPrefix));
  const [samples, storage, status] = await Promise.all([
    history.samples(now - windowMs),
    history.storage(),
    readMonitoringStatus(redis, keyPrefix, { recent: RECENT_ALERTS }),
  ]);
  return {
    generatedAt: now,
    monitorActive: status.monitorActive,
    windowMs,
    ...healthSeries(samples),
    storage,
    alerts: { firing: status.firing, pending: status.pending, recent: status.recent },
  };
}

/** Pure: samples (oldest first) to chart series on one time axis. */
export function healthSeries(
  samples: readonly HealthSample[],
): Pick<PipelineHealth, 't' | 'lag' | 'throughput' | 'firing'> {
  const t = samples.map((s) => Math.round(s.at / 1000));
  const partitionKey = (group: string, topic: string, partition: number): string =>
    `${group}\u0000${topic}\u0000${partition}`;

  const lag = new Map<string, LagSeries>();
  samples.forEach((sample, i) => {
    for (const p of sample.partitions) {
      const key = partitionKey(p.group, p.topic, p.partition);
      let series = lag.get(key);
      if (!series) {
        series = {
          group: p.group,
          topic: p.topic,
          partition: p.partition,
          values: t.map(() => null),
        };
        lag.set(key, series);
      }
      series.values[i] = p.lag;
    }
  });

  // Topics and groups in the order first seen; produced is per topic, committed per group.
  const topics = new Map<string, string>();
  const groups = new Map<string, { group: string; topic: string }>();
  for (const s of samples)
    for (const p of s.partitions) {
      if (!topics.has(p.topic)) topics.set(p.topic, p.group);
      groups.set(`${p.group}\u0000${p.topic}`, { group: p.group, topic: p.topic });
    }
  const throughput: RateSeries[] = [];
  const hasIngest = samples.some((s) => s.ingest !== null);
  if (hasIngest) {
    const perSecond = (pick: (i: NonNullable<HealthSample['ingest']>) => number) =>
      samples.map((s) =>
        s.ingest === null || s.ingest.sinceMs <= 0
          ? null
          : pick(s.ingest) / (s.ingest.sinceMs / 1000),
      );
    throughput.push({ label: 'ingest consumed', values: perSecond((i) => i.consumed) });
    throughput.push({ label: 'ingest landed', values: perSecond((i) => i.landed) });
  }
  for (const [topic, group] of topics)
    throughput.push({
      label: `produced to ${topic}`,
      values: offsetRates(samples, (p) => p.group === group && p.topic === topic, 'logEnd'),
    });
  for (const { group, topic } of groups.values())
    throughput.push({
      label: `committed by ${group}`,
      values: offsetRates(samples, (p) => p.group === group && p.topic === topic, 'committed'),
    });

  return { t, lag: [...lag.values()], throughput, firing: samples.map((s) => s.firing) };
}

/**
 * Offsets advanced per second from the previous sample, summed over the matching partitions
 * present in both; a partition whose offset went back (a reset, a recreated topic) is left out.
 */
function offsetRates(
  samples: readonly HealthSample[],
  match: (p: HealthSample['partitions'][number]) => boolean,
  field: 'logEnd' | 'committed',
): Array<number | null> {
  return samples.map((sample, i) => {
    const previous = samples[i - 1];
    if (!previous || sample.at <= previous.at) return null;
    const before = new Map(
      previous.partitions.filter(match).map((p) => [p.partition, p[field]] as const),
    );
    let advanced = 0;
    let counted = 0;
    for (const p of sample.partitions) {
      if (!match(p)) continue;
      const was = before.get(p.partition);
      // -1: the group has committed nothing there yet.
      if (was === undefined || was < 0 || p[field] < was) continue;
      advanced += p[field] - was;
      counted++;
    }
    return counted === 0 ? null : advanced / ((sample.at - previous.at) / 1000);
  });
}
