/**
 * Kafka for tests and benchmarks: a client of the stack's brokers and fresh topics that clean up
 * after themselves. No vitest import, so benchmarks can use it too.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { serviceSettings } from '../../src/shared/settings.ts';
import type { Resources } from './resources.ts';

export function testKafka(): Kafka {
  return new Kafka({
    clientId: 'strata-ingest-test',
    brokers: serviceSettings().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
}

export interface TestTopic {
  topic: string;
  dlqTopic: string;
  groupId: string;
  partitions: number;
  admin: Admin;
  producer: Producer;
}

/** A fresh topic (and its DLQ and group name), deleted with the group after the test. */
export async function createTestTopic(
  resources: Resources,
  kafka: Kafka,
  partitions: number,
  replicationFactor = 1,
): Promise<TestTopic> {
  const id = randomUUID().slice(0, 12);
  const topic = `test-ingest-${id}`;
  const dlqTopic = `${topic}.dlq`;
  const groupId = `test-ingest-group-${id}`;
  const admin = kafka.admin();
  await admin.connect();
  resources.add(async () => {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    const existing = new Set(await admin.listTopics());
    const mine = [topic, dlqTopic].filter((t) => existing.has(t));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    await admin.disconnect();
  });
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: partitions, replicationFactor }],
  });
  // Idempotent: a send retried under load (its reply lost or late) must not put a record in
  // the topic twice, or the exactly-once checks would count the producer's duplicate.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  resources.add(() => producer.disconnect());
  return { topic, dlqTopic, groupId, partitions, admin, producer };
}
