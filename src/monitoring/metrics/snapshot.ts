import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from '../../redis/connection.ts';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { MonitorKeys } from '../keys.ts';

/**
 * Every role publishes its registry to Redis as a JSON snapshot with an expiry, so the monitor
 * (alert rules, CloudWatch) and the server (/metrics) see the whole deployment, including
 * processes that serve no HTTP (ingest, workers). A process that dies stops refreshing its
 * snapshot, which then expires.
 */

const sampleSchema = z.object({
  value: z.number(),
  labels: z.record(z.string(), z.union([z.string(), z.number()])),
  metricName: z.string().optional(),
});

const familySchema = z.object({
  name: z.string(),
  help: z.string(),
  type: z.enum(['counter', 'gauge', 'histogram', 'summary']),
  aggregator: z.string().optional(),
  values: z.array(sampleSchema),
});

const snapshotSchema = z.object({
  instance: z.string(),
  role: z.string(),
  at: z.number(),
  metrics: z.array(familySchema),
});

export type MetricFamily = z.infer<typeof familySchema>;
export type InstanceSnapshot = z.infer<typeof snapshotSchema>;

export async function snapshotOf(
  registry: Registry,
  instance: string,
  role: string,
  at = Date.now(),
): Promise<InstanceSnapshot> {
  const metrics = (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];
  // NaN and Infinity do not survive JSON; a gauge never set to a finite value says nothing.
  const finite = metrics.map((m) => ({
    ...m,
    values: m.values.filter((v) => Number.isFinite(v.value)),
  }));
  return { instance, role, at, metrics: finite };
}

export interface SnapshotPublisherOptions {
  role: string;
  intervalMs?: number;
  /** How long a snapshot outlives its process; default three intervals. */
  ttlMs?: number;
  instance?: string;
  logger?: Logger;
}

export class MetricsSnapshotPublisher {
  readonly instance: string;
  private readonly intervalMs: number;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: MonitorKeys,
    private readonly registry: Registry,
    private readonly options: SnapshotPublisherOptions,
  ) {
    this.instance =
      options.instance ??
      `${options.role}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.ttlMs = options.ttlMs ?? this.intervalMs * 3;
  }

  start(): void {
    if (this.timer || this.closing) return;
    this.timer = setInterval(() => void this.publishQuietly(), this.intervalMs);
    this.timer.unref();
    void this.publishQuietly();
  }

  async publish(): Promise<void> {
    const snapshot = await snapshotOf(this.registry, this.instance, this.options.role);
    await this.redis
      .multi()
      .set(this.keys.metricSnapshot(this.instance), JSON.stringify(snapshot), 'PX', this.ttlMs)
      .sadd(this.keys.metricInstances(), this.instance)
      .exec();
  }

  /** Stops publishing and removes this process's snapshot; safe to call twice. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      clearInterval(this.timer);
      this.timer = undefined;
      try {
        await this.redis
          .multi()
          .del(this.keys.metricSnapshot(this.instance))
          .srem(this.keys.metricInstances(), this.instance)
          .exec();
      } catch (error) {
        this.options.logger?.warn(
          { err: errorMessage(error) },
          'could not remove the metrics snapshot; it will expire',
        );
      }
    })());
  }

  private async publishQuietly(): Promise<void> {
    try {
      await this.publish();
    } catch (error) {
      // Metrics must never take a role down; the next interval tries again.
      this.options.logger?.warn({ err: errorMessage(error) }, 'could not publish metrics snapshot');
    }
  }
}

/** The live snapshots of every publishing process; forgets the ones that expired. */
export async function readSnapshots(
  redis: RedisClient,
  keys: MonitorKeys,
): Promise<InstanceSnapshot[]> {
  const instances = await redis.smembers(keys.metricInstances());
  if (instances.length === 0) return [];
  const raw = await redis.mget(instances.map((i) => keys.metricSnapshot(i)));
  const expired = instances.filter((_, i) => raw[i] === null);
  if (expired.length > 0) await redis.srem(keys.metricInstances(), ...expired);
  const snapshots: InstanceSnapshot[] = [];
  for (const text of raw) {
    if (text === null || text === undefined) continue;
    const parsed = snapshotSchema.safeParse(JSON.parse(text));
    if (parsed.success) snapshots.push(parsed.data);
  }
  return snapshots;
}
