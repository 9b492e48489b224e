import { Kafka, logLevel, type Admin, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../shared/logger.ts';

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
  const present = specs.filter((s) => existing.has(s.topic));
  if (present.length === 0) return;
  const metadata = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
  for (const topic of metadata.topics) {
    const wanted = present.find((s) => s.topic === topic.name)?.partitions ?? 0;
    if (topic.partitions.length < wanted) {
      logger.warn(
        { topic: topic.name, partitions: topic.partitions.length, configured: wanted },
        'topic has fewer partitions than configured',
      );
    }
  }
}
