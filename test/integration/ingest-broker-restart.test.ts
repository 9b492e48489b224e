/**
 * Issue 3: "Kafka broker restart mid-stream -> ingest recovers by itself". The other ingest
 * tests share the developer's broker, which must not be restarted; this one starts a broker of
 * its own through the stack API (own port, own state folder), stops it while records are
 * flowing, starts it again on the same data, and checks the one ingest process carried on.
 */
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/ingest/index.ts';
import { MonitorKeys } from '../../src/monitoring/keys.ts';
import { readSnapshots } from '../../src/monitoring/metrics/snapshot.ts';
import { errorMessage } from '../../src/shared/errors.ts';
import { stackDown, stackStatus, stackUp, type StackConfig } from '../../src/stack/index.ts';
import { LocalObjectStore } from '../../src/storage/index.ts';
import {
  brokerProgress,
  startDedicatedBroker,
  type DedicatedBroker,
} from '../helpers/dedicated-broker.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  IngestProcess,
  Resources,
  committedOffsets,
  createTestTopic,
  duplicates,
  endOffsets,
  landedSequences,
  readLake,
  sameOffsets,
  sendValid,
  settings,
  tempDir,
  waitForEveryRecord,
  writeTestConfig,
} from './ingest-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

const INVALID = 'not json';
const TOTAL = 1_500;

/** The dedicated broker: its own port and its own state folder (jars, data, logs, pid file). */
let broker: DedicatedBroker | undefined;
let brokers: string[];
const progress = brokerProgress();

beforeAll(async () => {
  broker = await startDedicatedBroker(progress);
  brokers = broker.brokers;
}, 300_000);

afterAll(async () => {
  await broker?.stop();
}, 60_000);

/** Never undefined inside a test: falling back to the environment would mean the shared broker. */
function dedicated(): StackConfig {
  if (broker === undefined) throw new Error('the dedicated broker was not configured');
  return broker.config;
}

describe('Kafka broker restarted mid-stream', () => {
  it('lands every valid record exactly once and dead-letters every invalid one, without restarting ingest', async () => {
    const kafka = new Kafka({
      clientId: 'strata-broker-restart-test',
      brokers,
      logLevel: logLevel.NOTHING,
    });
    const t = await createTestTopic(resources, kafka, 3);
    const dir = await tempDir(resources, 'broker-restart');
    const store = await LocalObjectStore.open(`${dir}/lake`);
    resources.add(() => store.close());
    const config = await writeTestConfig(dir, {
      topic: t,
      lake: `${dir}/lake`,
      maxRecords: 50,
      maxAge: '300ms',
    });
    const ingest = new IngestProcess(config, resources, { KAFKA_BROKERS: brokers.join(',') });

    // A steady stream, with an invalid record now and then; a chunk the broker did not
    // acknowledge is sent again (it may then be in the topic twice, at other offsets).
    const acked: number[] = [];
    let sent = 0;
    let refused = 0; // sends that failed: while the broker is away, proof the producer kept trying
    const producing = (async () => {
      while (sent < TOTAL) {
        const count = Math.min(15, TOTAL - sent);
        try {
          await sendValid(t, sent, count);
          if ((sent / 15) % 10 === 9)
            await t.producer.send({
              topic: t.topic,
              acks: -1,
              messages: [{ partition: sent % t.partitions, value: INVALID }],
            });
          for (let i = 0; i < count; i++) acked.push(sent + i);
          sent += count;
        } catch {
          refused++; // the broker is away: try the same chunk again
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await waitFor(
      'first records landed',
      async () => (await readLake(store)).length >= 200,
      60_000,
    );
    const down = await stackDown({
      services: ['kafka'],
      config: dedicated(),
      onProgress: progress,
    });
    expect(down.services.map((s) => s.outcome)).toEqual([expect.stringMatching(/stopped|killed/)]);
    expect((await stackStatus({ services: ['kafka'], config: dedicated() }))[0]?.state).toBe(
      'stopped',
    );
    const sentWhileUp = sent;
    const refusedWhileUp = refused;
    progress(`stopped after ${sent} records sent`);
    // The producer tried (and failed) twice against the stopped broker: it was active, and
    // nothing got through, so the broker really was away.
    await waitFor(
      'two refused sends while the broker is down',
      () => refused >= refusedWhileUp + 2,
      60_000,
    );
    expect(sent).toBe(sentWhileUp);

    await stackUp({ services: ['kafka'], config: dedicated(), onProgress: progress });
    await producing;
    progress(`all ${sent} records sent`);
    expect(sent).toBeGreaterThan(sentWhileUp); // the stream went on after the restart

    await waitForEveryRecord(store, TOTAL, 60_000).catch((error: unknown) => {
      throw new Error(`${errorMessage(error)}\n${ingest.output.slice(-3000)}`, { cause: error });
    });
    progress('all records landed');
    expect(ingest.child.exitCode).toBeNull(); // the same process, never restarted

    const inTopic = await readTopic(kafka, t.topic, await endOffsets(t));
    const valid = inTopic.filter((m) => m.value !== INVALID).map((m) => m.coordinates);
    const invalid = inTopic.filter((m) => m.value === INVALID).map((m) => m.coordinates);
    expect(invalid.length).toBeGreaterThan(0);

    const lines = await readLake(store);
    expect(duplicates(lines)).toEqual([]);
    expect(lines.map((l) => `${l.partition}:${l.offset}`).sort()).toEqual(valid.sort());
    const landed = landedSequences(lines);
    expect(acked.filter((seq) => !landed.has(seq))).toEqual([]);

    await waitFor(
      'offsets committed up to the end of the topic',
      async () => sameOffsets(await committedOffsets(t), await endOffsets(t)),
      30_000,
    );
    const dlqEnds = await t.admin.fetchTopicOffsets(t.dlqTopic);
    const dead = await readTopic(
      kafka,
      t.dlqTopic,
      new Map(dlqEnds.map((p) => [p.partition, Number(p.high)])),
    );
    expect(new Set(dead.map((m) => m.original))).toEqual(new Set(invalid));

    await expectIngestMetricsPublished(ingest.keyPrefix);
    expect(await ingest.stop()).toBe(0);
  }, 180_000);
});

interface ReadMessage {
  coordinates: string;
  value: string;
  /** For a dead letter: the coordinates of the message it stands for. */
  original: string;
}

/** Every message of the topic up to `ends`, read by a throwaway group. */
async function readTopic(
  kafka: Kafka,
  topic: string,
  ends: Map<number, number>,
): Promise<ReadMessage[]> {
  const remaining = [...ends].reduce((sum, [, end]) => sum + end, 0);
  const consumer = kafka.consumer({ groupId: `${topic}-verify` });
  await consumer.connect();
  const messages: ReadMessage[] = [];
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const header = (name: string) => message.headers?.[name]?.toString() ?? '';
        messages.push({
          coordinates: `${partition}:${message.offset}`,
          value: message.value?.toString() ?? '',
          original: `${header(DLQ_HEADERS.partition)}:${header(DLQ_HEADERS.offset)}`,
        });
        return Promise.resolve();
      },
    });
    await waitFor(`reading ${topic}`, () => messages.length >= remaining, 30_000);
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([`${topic}-verify`]).catch(() => undefined);
    await admin.disconnect();
  }
  return messages;
}

/** The ingest process published its metrics to Redis, under the key prefix it was given. */
async function expectIngestMetricsPublished(keyPrefix: string): Promise<void> {
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const objectsWritten = async (): Promise<number> => {
      const snapshots = await readSnapshots(redis, new MonitorKeys(keyPrefix));
      const ingest = snapshots.filter((s) => s.role === 'ingest');
      const family = ingest
        .flatMap((s) => s.metrics)
        .find((m) => m.name === 'strata_ingest_objects_written_total');
      return family?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
    };
    await waitFor('published ingest metrics', async () => (await objectsWritten()) > 0, 20_000);
  } finally {
    redis.disconnect();
  }
}
