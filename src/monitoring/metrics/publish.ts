import { closeRedis, connectRedis } from '../../redis/connection.ts';
import { orchestratorSettings } from '../../jobs/settings.ts';
import type { Logger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';
import { MonitorKeys } from '../keys.ts';
import { processMetrics, type ProcessMetrics } from './registry.ts';
import { MetricsSnapshotPublisher } from './snapshot.ts';

export interface PublishedMetrics {
  metrics: ProcessMetrics;
  instance: string;
  /** Stops publishing, removes this process's snapshot and closes its Redis connection. */
  close(): Promise<void>;
}

/**
 * For any role's process: the process-wide registry, published to Redis every interval so the
 * monitor (alert rules, CloudWatch) and `strata serve` (/metrics) see it. Uses its own Redis
 * connection, so metrics keep flowing whatever the role does with its own.
 */
export async function publishProcessMetrics(
  role: string,
  options: { logger: Logger; env?: NodeJS.ProcessEnv; intervalMs?: number },
): Promise<PublishedMetrics> {
  const env = options.env ?? process.env;
  // Settings before connecting: a bad prefix is a usage error, which an open connection would
  // outlive.
  const keys = new MonitorKeys(orchestratorSettings(env).keyPrefix);
  const redis = await connectRedis(serviceSettings(env).redisUrl);
  const metrics = processMetrics();
  const publisher = new MetricsSnapshotPublisher(redis, keys, metrics.registry, {
    role,
    logger: options.logger,
    intervalMs: options.intervalMs,
  });
  publisher.start();
  let closing: Promise<void> | undefined;
  return {
    metrics,
    instance: publisher.instance,
    close: () =>
      (closing ??= (async () => {
        await publisher.close();
        await closeRedis(redis);
      })()),
  };
}
