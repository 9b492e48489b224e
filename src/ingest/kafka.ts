import { Kafka, logLevel, type Admin, type LogEntry, type logCreator } from 'kafkajs';
import type { BackoffOptions } from '../shared/backoff.ts';
import { TransientError, errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { withRetry } from '../shared/retry.ts';

/** A kafkajs client whose own logs go through pino, so every line of a process is one JSON format. */
export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
    retry: { initialRetryTime: 300, retries: 10, maxRetryTime: 10_000 },
  });
}

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      const child = { kafkajs: fields };
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(child, message);
      else if (level === logLevel.WARN) logger.warn(child, message);
      else if (level === logLevel.INFO) logger.info(child, message);
      else logger.debug(child, message);
    };
}

/**
 * How long a call waits out a cold or moving cluster by default: a freshly formatted broker
 * elects the coordinator of `__consumer_offsets` (50 partitions) within seconds, a slow machine
 * may need tens of them.
 */
export const KAFKA_SETTLE_MS = 90_000;

const KAFKA_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5_000, factor: 2, jitter: 0.5 };

export interface KafkaRetryOptions {
  /** Where each retry is logged (warn); omit when the caller reports the final error itself. */
  logger?: Logger;
  /** Budget for the whole call including its retries; default KAFKA_SETTLE_MS. */
  deadlineMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs one Kafka call, retrying the errors `isTransient` calls transient (coordinator moving or
 * loading, no leader yet, a topic not yet known right after creation, a refused connection) with
 * backoff and jitter until the deadline. Anything else is raised at once.
 */
export function retryKafka<T>(
  what: string,
  call: () => Promise<T>,
  options: KafkaRetryOptions,
): Promise<T> {
  return withRetry(call, {
    deadlineMs: options.deadlineMs ?? KAFKA_SETTLE_MS,
    backoff: KAFKA_BACKOFF,
    signal: options.signal,
    onRetry: (error, attempt, delayMs) =>
      options.logger?.warn(
        { attempt, retryInMs: delayMs, error: errorMessage(error) },
        `${what}: Kafka not ready, retrying`,
      ),
  });
}

/** Connects an admin client, waiting out a broker that is still starting. */
export async function connectAdmin(admin: Admin, logger: Logger): Promise<void> {
  await retryKafka('connecting to Kafka', () => admin.connect(), { logger });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

/**
 * Creates the topics that do not exist yet. Existing topics are left alone (a topic with fewer
 * partitions than configured is reported, not altered: repartitioning moves keys between partitions).
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  logger: Logger,
): Promise<void> {
  await retryKafka('creating topics', () => createMissingTopics(admin, specs, logger), { logger });
}

/** One pass of ensureTopics; safe to repeat (creating a topic that exists is not an error). */
async function createMissingTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  logger: Logger,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.partitions,
        replicationFactor: s.replicationFactor,
      })),
    });
    logger.info({ topics: missing.map((s) => s.topic) }, 'created topics');
  }
  // Metadata of every topic, new ones included: it fails with a retriable error until each
  // partition has a leader, so a producer or consumer started next finds the topic ready.
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
  for (const topic of metadata.topics) {
    if (topic.partitions.some((p) => p.leader < 0)) {
      throw new TransientError(`topic ${topic.name} has a partition without a leader yet`);
    }
    const wanted = specs.find((s) => s.topic === topic.name)?.partitions ?? 0;
    if (topic.partitions.length < wanted) {
      logger.warn(
        { topic: topic.name, partitions: topic.partitions.length, configured: wanted },
        'topic has fewer partitions than configured',
      );
    }
  }
}
