import type { Admin } from 'kafkajs';
import type { Pipeline } from '../config/types.ts';
import { EventLog } from '../jobs/event-log.ts';
import { RedisKeys } from '../jobs/keys.ts';
import { closeRedis, connectRedis, type RedisClient } from '../redis/connection.ts';
import { orchestratorSettings } from '../jobs/settings.ts';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { serviceSettings } from '../shared/settings.ts';
import { openObjectStore, type ObjectStore } from '../storage/index.ts';
import { LogSink, WebhookSink, type AlertSink } from './alerts/sinks.ts';
import { EventLogHealthSource } from './asset-health.ts';
import { alarmsForRules, syncAlarms } from './cloudwatch/alarms.ts';
import { createCloudWatchClient } from './cloudwatch/client.ts';
import { CloudWatchPublisher } from './cloudwatch/publisher.ts';
import { MonitorKeys } from './keys.ts';
import { createLagAdmin } from './lag/kafka-admin.ts';
import { processMetrics, type ProcessMetrics } from './metrics/registry.ts';
import { MetricsSnapshotPublisher } from './metrics/snapshot.ts';
import { Monitor } from './monitor.ts';

export interface MonitorRuntime {
  monitor: Monitor;
  /** Stops the monitor and releases every connection; safe to call twice. */
  close(): Promise<void>;
}

export interface MonitorRuntimeOptions {
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  metrics?: ProcessMetrics;
  intervalMs?: number;
  leaseTtlMs?: number;
}

/**
 * Wires a Monitor to the real services named by the environment and the pipeline: RedisClient (lease,
 * alert state, event log, metric snapshots), Kafka (lag), the object store (storage stats),
 * CloudWatch when enabled, and the alert sinks. Used by `strata monitor` and `strata dev`.
 */
export async function createMonitorRuntime(
  pipeline: Pipeline,
  options: MonitorRuntimeOptions,
): Promise<MonitorRuntime> {
  const env = options.env ?? process.env;
  const settings = serviceSettings(env);
  const keyPrefix = orchestratorSettings(env).keyPrefix;
  const { logger } = options;
  const metrics = options.metrics ?? processMetrics();
  const cleanups: Array<[string, () => Promise<unknown>]> = [];

  const redis: RedisClient = await connectRedis(settings.redisUrl);
  cleanups.push(['redis', () => closeRedis(redis)]);
  try {
    const keys = new MonitorKeys(keyPrefix);
    const admin: Admin = createLagAdmin(settings.kafkaBrokers, logger);
    cleanups.unshift(['kafka', () => admin.disconnect()]);
    try {
      await admin.connect();
    } catch (error) {
      // Lag reads retry on every pass; freshness and check rules must not wait for Kafka.
      logger.error(
        { err: errorMessage(error), brokers: settings.kafkaBrokers },
        'cannot reach Kafka yet; lag will be UNKNOWN until it answers',
      );
    }

    const store: ObjectStore = await openObjectStore(pipeline.storage, settings, logger);
    cleanups.unshift(['storage', () => store.close()]);

    const snapshots = new MetricsSnapshotPublisher(redis, keys, metrics.registry, {
      role: 'monitor',
      logger,
      intervalMs: options.intervalMs ?? pipeline.monitoring.intervalMs,
    });
    snapshots.start();
    cleanups.unshift(['metrics snapshot', () => snapshots.close()]);

    const cloudwatch = await cloudWatchFor(pipeline, settings, metrics, logger);
    const monitor = new Monitor({
      pipeline,
      redis,
      keys,
      metrics,
      logger,
      sinks: alertSinks(pipeline, env, logger),
      kafkaAdmin: admin,
      objectStore: store,
      assetHealth: new EventLogHealthSource(new EventLog(redis, new RedisKeys(keyPrefix))),
      cloudwatch,
      publishOwnMetrics: () => snapshots.publish(),
      intervalMs: options.intervalMs,
      leaseTtlMs: options.leaseTtlMs,
    });
    cleanups.unshift(['monitor', () => monitor.close()]);

    let closing: Promise<void> | undefined;
    return { monitor, close: () => (closing ??= runCleanups(cleanups, logger)) };
  } catch (error) {
    await runCleanups(cleanups, logger);
    throw error;
  }
}

/** The log always; the webhook when its environment variable holds a URL. */
export function alertSinks(
  pipeline: Pick<Pipeline, 'alerts'>,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): AlertSink[] {
  const sinks: AlertSink[] = [new LogSink(logger)];
  const url = env[pipeline.alerts.webhook.urlEnv];
  if (url)
    sinks.push(new WebhookSink({ url, timeoutMs: pipeline.alerts.webhook.timeoutMs, logger }));
  return sinks;
}

async function cloudWatchFor(
  pipeline: Pipeline,
  settings: ReturnType<typeof serviceSettings>,
  metrics: ProcessMetrics,
  logger: Logger,
): Promise<CloudWatchPublisher | undefined> {
  const config = pipeline.monitoring.cloudwatch;
  if (!config.enabled) return undefined;
  const client = createCloudWatchClient(settings);
  if (config.alarms) {
    try {
      await syncAlarms(client, alarmsForRules(pipeline.alerts.rules, pipeline.monitoring));
    } catch (error) {
      // Alarms are a mirror; Strata's own evaluation goes on without them.
      logger.error({ err: errorMessage(error) }, 'could not create CloudWatch alarms');
    }
  }
  return new CloudWatchPublisher({
    client,
    namespace: config.namespace,
    maxBuffer: config.maxBuffer,
    flushIntervalMs: config.intervalMs,
    logger,
    metrics: metrics.monitor(),
  });
}

/** Runs every cleanup even when one fails, in order. */
async function runCleanups(
  cleanups: ReadonlyArray<[string, () => Promise<unknown>]>,
  logger: Logger,
): Promise<void> {
  for (const [name, cleanup] of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      logger.warn({ step: name, err: errorMessage(error) }, 'cleanup failed');
    }
  }
}
