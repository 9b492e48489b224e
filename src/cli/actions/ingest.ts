import { loadPipeline, type LoadedPipeline } from '../../config/index.ts';
import { SourceObserver } from '../../jobs/source-observer.ts';
import type { IngestMetrics } from '../../ingest/metrics.ts';
import {
  createKafka,
  IngestService,
  ingestOptionsFrom,
  type IngestOptions,
} from '../../ingest/index.ts';
import { publishProcessMetrics } from '../../monitoring/metrics/publish.ts';
import { WorkFailedError, errorMessage } from '../../shared/errors.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';
import { openObjectStore } from '../../storage/index.ts';

export interface IngestCommandOptions {
  group?: string;
  sessionTimeout?: number;
}

export async function ingest(file: string, options: IngestCommandOptions): Promise<void> {
  const pipeline = await loadPipeline(file);
  const overrides: Partial<IngestOptions> = {};
  if (options.sessionTimeout !== undefined) overrides.sessionTimeoutMs = options.sessionTimeout;
  if (options.group) overrides.groupId = options.group;
  const logger = createLogger('ingest');
  // Published to Redis so `strata serve`'s /metrics and the monitor's rules see this member.
  const published = await publishProcessMetrics('ingest', { logger });
  try {
    const ingestion = await startIngest(pipeline, {
      logger,
      metrics: published.metrics.ingest(),
      overrides,
    });
    try {
      await runUntilSignalled(ingestion.service);
    } finally {
      await ingestion.close();
    }
  } finally {
    await published.close();
    exitIfLingering(logger);
  }
}

export interface Ingestion {
  service: IngestService;
  /** Stops the service (if still running) and closes the store and the observer. */
  close(): Promise<void>;
}

/**
 * An ingest service wired to its store, and to the asset event stream: every object landed is
 * an observation of the source asset(s), so automation reacts to new data within seconds.
 */
export async function startIngest(
  pipeline: LoadedPipeline,
  options: { logger: Logger; metrics: IngestMetrics; overrides?: Partial<IngestOptions> },
): Promise<Ingestion> {
  const { logger } = options;
  const settings = serviceSettings();
  const store = await openObjectStore(pipeline.storage, settings, logger);
  const observer = await SourceObserver.connect(pipeline, settings.redisUrl, logger);
  const service = new IngestService(ingestOptionsFrom(pipeline, options.overrides ?? {}), {
    kafka: createKafka(settings.kafkaBrokers, 'strata-ingest', logger),
    store,
    metrics: options.metrics,
    logger,
    onLanded: (landed) => observer.landed(landed.newestRecordTime),
  });
  return {
    service,
    close: async () => {
      await service.close();
      await observer.close();
      await store.close();
    },
  };
}

/**
 * kafkajs 2.2.4 can leave one socket open after `consumer.disconnect()`: while a broker is away,
 * its pool drops the broker object the consumer group keeps as coordinator; once the broker is
 * back, a heartbeat reconnects that orphan, and disconnect() no longer reaches it. By now every
 * batch is landed and committed, so rather than hang until an orchestrator's SIGKILL, the process
 * exits if anything still holds it open after a short grace (with the exit code already set).
 */
export function exitIfLingering(logger: Logger, graceMs = 2_000): void {
  setTimeout(() => {
    logger.warn(
      { resources: process.getActiveResourcesInfo() },
      'connections left open after shutdown (kafkajs); exiting',
    );
    logger.flush(() => process.exit());
  }, graceMs).unref();
}

async function runUntilSignalled(service: IngestService): Promise<void> {
  const stop = (): void => void service.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await service.start();
    await service.done;
  } catch (error) {
    await service.close();
    throw new WorkFailedError(`ingest failed: ${errorMessage(error)}`, { cause: error });
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
}
