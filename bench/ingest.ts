/**
 * `npm run bench:ingest`: records per second through the sink into local storage at two batch
 * sizes, side by side with a raw kafkajs consumer that reads the same topic and does nothing (the
 * ceiling). Each configuration runs `--rounds` times, interleaved; the best round counts. Times run
 * from the first record seen to the last record landed, so group joins do not count.
 *
 *   npm run bench:ingest -- --records 300000 --partitions 3 --rounds 2
 *   npm run bench:ingest -- --only sink-10000   (one configuration, e.g. under --cpu-prof)
 *   npm run bench:ingest -- --keep               (keep the filled topic and print its name)
 *   npm run bench:ingest -- --topic <name>       (reuse a kept topic: no fill, no delete)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createIngestMetrics, createKafka, IngestService } from '../src/ingest/index.ts';
import { serviceSettings } from '../src/shared/settings.ts';
import { LocalObjectStore } from '../src/storage/index.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    partitions: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string' },
    topic: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const RECORDS = Number(args.records);
const PARTITIONS = Number(args.partitions);
const ROUNDS = Number(args.rounds);
const BATCH_SIZES = [100, 10_000];
const CONSUMER = { maxBytesPerPartition: 1_048_576, maxWaitTimeMs: 1_000, concurrency: PARTITIONS };

const brokers = serviceSettings().kafkaBrokers;
const kafka = new Kafka({ clientId: 'strata-bench', brokers, logLevel: logLevel.NOTHING });
const silent = pino({ level: 'silent' });

interface Result {
  name: string;
  seconds: number;
  perSecond: number;
}

async function main(): Promise<void> {
  if (RECORDS % (PARTITIONS * Math.max(...BATCH_SIZES)) !== 0) {
    throw new Error(
      `--records must be a multiple of partitions x ${Math.max(...BATCH_SIZES)}, so every batch fills and none waits for its age`,
    );
  }
  const admin = kafka.admin();
  await admin.connect();
  const topic = args.topic ?? `bench-ingest-${randomUUID().slice(0, 8)}`;
  const groups: string[] = [];
  try {
    if (args.topic === undefined) await fill(admin, topic);
    const best = new Map<string, Result>();
    for (let round = 1; round <= ROUNDS; round++) {
      const runs = [
        { id: 'raw', run: () => rawConsumer(topic, groups) },
        ...BATCH_SIZES.map((size) => ({
          id: `sink-${size}`,
          run: () => sink(topic, size, groups),
        })),
      ].filter((r) => args.only === undefined || r.id === args.only);
      for (const { run } of runs) {
        const result = await run();
        process.stderr.write(
          `round ${round}: ${result.name}: ${Math.round(result.perSecond)} records/s (${result.seconds.toFixed(2)} s)\n`,
        );
        const previous = best.get(result.name);
        if (!previous || result.perSecond > previous.perSecond) best.set(result.name, result);
      }
    }
    report([...best.values()]);
  } finally {
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics: [`${topic}.dlq`] }).catch(() => undefined);
    if (args.keep || args.topic !== undefined) process.stderr.write(`kept topic ${topic}\n`);
    else await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function fill(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
  });
  const producer = kafka.producer();
  await producer.connect();
  const started = performance.now();
  const now = Date.now();
  for (let i = 0; i < RECORDS; i += 5_000) {
    const messages = Array.from({ length: Math.min(5_000, RECORDS - i) }, (_, j) => {
      const seq = i + j;
      return {
        partition: seq % PARTITIONS,
        key: 'bitcoin',
        value: JSON.stringify({
          id: 'bitcoin',
          symbol: 'btc',
          name: 'Bitcoin',
          price: 60_000 + (seq % 1000) / 7,
          market_cap: 1.26e12,
          total_volume: 3.1e10,
          price_change_percentage_24h: -1.25,
          last_updated: new Date(now).toISOString(),
        }),
      };
    });
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  process.stderr.write(
    `filled ${topic}: ${RECORDS} records in ${PARTITIONS} partitions (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}

/** The ceiling: a kafkajs consumer group member that counts messages and does nothing else. */
async function rawConsumer(topic: string, groups: string[]): Promise<Result> {
  const groupId = `bench-raw-${randomUUID().slice(0, 8)}`;
  groups.push(groupId);
  const consumer = kafka.consumer({
    groupId,
    maxBytesPerPartition: CONSUMER.maxBytesPerPartition,
    maxWaitTimeInMs: CONSUMER.maxWaitTimeMs,
  });
  let count = 0;
  let first = 0;
  let last = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: CONSUMER.concurrency,
      eachBatch: ({ batch }) => {
        if (first === 0) first = performance.now();
        count += batch.messages.length;
        if (count >= RECORDS) {
          last = performance.now();
          resolve();
        }
        return Promise.resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  return result('raw kafkajs consumer', first, last);
}

/** The sink writing JSON Lines objects of `batchSize` records to a temporary local lake. */
async function sink(topic: string, batchSize: number, groups: string[]): Promise<Result> {
  const groupId = `bench-sink-${randomUUID().slice(0, 8)}`;
  groups.push(groupId);
  const lake = await mkdtemp(path.join(tmpdir(), 'strata-bench-lake-'));
  const service = new IngestService(
    {
      topic,
      dlqTopic: `${topic}.dlq`,
      groupId,
      partitions: PARTITIONS,
      replicationFactor: 1,
      prefix: 'crypto_data',
      batch: { maxRecords: batchSize, maxBytes: 64 * 1024 * 1024, maxAgeMs: 60_000 },
      maxRecordBytes: 65_536,
      maxBufferedBytes: 256 * 1024 * 1024,
      maxBytesPerPartition: CONSUMER.maxBytesPerPartition,
      maxWaitTimeMs: CONSUMER.maxWaitTimeMs,
      concurrency: CONSUMER.concurrency,
      progressIntervalMs: 60_000,
    },
    {
      kafka: createKafka(brokers, 'strata-bench', silent),
      store: await LocalObjectStore.open(lake),
      metrics: createIngestMetrics(new Registry()),
      logger: silent,
    },
  );
  let first = 0;
  let last = 0;
  try {
    await service.start();
    const expectedObjects = RECORDS / batchSize;
    for (;;) {
      const stats = service.stats();
      if (first === 0 && stats.consumed > 0) first = performance.now();
      if (stats.objects >= expectedObjects) {
        last = performance.now();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await service.close();
    await rm(lake, { recursive: true, force: true });
  }
  return result(`sink, ${batchSize.toLocaleString('en-US')} per batch`, first, last);
}

function result(name: string, first: number, last: number): Result {
  const seconds = (last - first) / 1000;
  return { name, seconds, perSecond: RECORDS / seconds };
}

function report(results: Result[]): void {
  const ceiling = results.find((r) => r.name.startsWith('raw'));
  const rows = results.map((r) => ({
    ...r,
    ratio: ceiling ? r.perSecond / ceiling.perSecond : Number.NaN,
  }));
  process.stdout.write(
    `\n${RECORDS.toLocaleString('en-US')} records, ${PARTITIONS} partitions, best of ${ROUNDS} rounds\n\n`,
  );
  process.stdout.write(
    '| configuration | records/s | seconds | vs raw consumer |\n|---|---:|---:|---:|\n',
  );
  for (const r of rows) {
    process.stdout.write(
      `| ${r.name} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${(r.ratio * 100).toFixed(0)}% |\n`,
    );
  }
  process.stdout.write(
    `\n${JSON.stringify({ records: RECORDS, partitions: PARTITIONS, rounds: ROUNDS, results: rows })}\n`,
  );
}

await main();
