/**
 * Shared pieces of the ingest integration tests: unique Kafka topics and groups, temporary lakes
 * and buckets, a test config on disk, spawned `strata ingest` processes, and the exactly-once
 * check over what landed. Every helper that creates something registers its cleanup.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { expect } from 'vitest';
import {
  createIngestMetrics,
  createKafka,
  IngestService,
  type IngestOptions,
} from '../../src/ingest/index.ts';
import { parseObjectKey } from '../../src/ingest/layout.ts';
import { serviceSettings } from '../../src/shared/settings.ts';
import type { ObjectStore } from '../../src/storage/index.ts';
import { spawnStrata, type StrataProcess } from '../helpers/cli.ts';
import type { TestTopic } from '../helpers/kafka.ts';
import { deleteKeysUnder } from '../helpers/redis.ts';
import type { Resources } from '../helpers/resources.ts';
import { waitFor } from '../helpers/wait.ts';

export { Resources, tempDir } from '../helpers/resources.ts';
export { createTestTopic, testKafka, type TestTopic } from '../helpers/kafka.ts';

export const settings = serviceSettings();
export const awsEndpoint = process.env.AWS_ENDPOINT_URL || 'http://127.0.0.1:5000';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

export function priceJson(seq: number, lastUpdated = new Date().toISOString()): string {
  return JSON.stringify({
    id: 'bitcoin',
    symbol: 'btc',
    name: 'Bitcoin',
    price: 60_000 + seq,
    market_cap: 1.2e12,
    total_volume: 3.1e10,
    price_change_percentage_24h: -1.25,
    last_updated: lastUpdated,
  });
}

/** Sends `count` valid records spread round-robin over the partitions, starting at sequence `from`. */
export async function sendValid(t: TestTopic, from: number, count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({
    partition: (from + i) % t.partitions,
    key: 'bitcoin',
    value: priceJson(from + i),
  }));
  for (let i = 0; i < messages.length; i += 500) {
    await t.producer.send({ topic: t.topic, acks: -1, messages: messages.slice(i, i + 500) });
  }
}

/**
 * Sends `total` valid records in chunks of `chunk`, one chunk every 100 ms, so that records keep
 * arriving while a test starts, kills and stops ingest processes.
 */
/**
 * Sends chunks of sequenced records every 100 ms until `stop` aborts; `done` resolves with how
 * many were sent. Unlike a fixed total, production outlasts every step of a test however slow the
 * machine is, so a step waiting for a member to claim a partition or land records always has
 * records to wait for.
 */
export function produceUntil(
  t: TestTopic,
  chunk: number,
  stop: AbortSignal,
): { sent: () => number; done: Promise<number> } {
  let sent = 0;
  const done = (async () => {
    while (!stop.aborted) {
      await sendValid(t, sent, chunk);
      sent += chunk;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return sent;
  })();
  return { sent: () => sent, done };
}

export async function produceSteadily(t: TestTopic, total: number, chunk: number): Promise<void> {
  for (let sent = 0; sent < total; sent += chunk) {
    await sendValid(t, sent, Math.min(chunk, total - sent));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function s3Client(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: awsEndpoint, forcePathStyle: true });
}

/** A fresh bucket in moto, emptied and deleted after the test. */
export async function createTestBucket(resources: Resources): Promise<string> {
  const bucket = `test-ingest-${randomUUID().slice(0, 12)}`;
  const client = s3Client();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  resources.add(async () => {
    await emptyAndDeleteBucket(client, bucket);
    client.destroy();
  });
  return bucket;
}

/** Deletes every object of `bucket`, then the bucket. */
export async function emptyAndDeleteBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

export interface TestConfig {
  topic: TestTopic;
  /** A local directory, or `s3://bucket`. */
  lake: string;
  maxRecords: number;
  maxAge: string;
  maxRecordBytes?: number;
  /** Of the DLQ topic ingest creates (the test topic's own is set by createTestTopic). */
  replicationFactor?: number;
}

/** Writes a pipeline config pointing at the test topic, group and lake; returns its path. */
export async function writeTestConfig(dir: string, c: TestConfig): Promise<string> {
  const file = path.join(dir, 'pipeline.yaml');
  await writeFile(
    file,
    [
      'version: 1',
      'assets:',
      '  raw_crypto_batches:',
      '    kind: kafka_batches',
      'kafka:',
      `  topic: ${c.topic.topic}`,
      `  partitions: ${c.topic.partitions}`,
      `  replicationFactor: ${c.replicationFactor ?? 1}`,
      'ingest:',
      `  groupId: ${c.topic.groupId}`,
      `  maxRecordBytes: ${c.maxRecordBytes ?? 65536}`,
      '  batch:',
      `    maxRecords: ${c.maxRecords}`,
      `    maxAge: ${c.maxAge}`,
      'storage:',
      ...(c.lake.startsWith('s3://')
        ? ['  kind: s3', `  bucket: ${c.lake.slice(5)}`]
        : ['  kind: local', `  path: ${c.lake}`]),
      '  prefix: crypto_data',
      '',
    ].join('\n'),
  );
  return file;
}

const logger = pino({ level: process.env.STRATA_TEST_LOG ?? 'silent' });

/** A logger whose JSON lines are kept in `lines`, for tests that assert what an operator reads. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  };
  return { logger: pino({ level: 'info' }, destination), lines };
}

/**
 * An ingest service in this process on the test topic, writing to `store`; closed after the
 * test. `overrides` replace the defaults (small batches cut within a second).
 */
export function createIngestService(
  resources: Resources,
  t: TestTopic,
  store: ObjectStore,
  overrides: Partial<IngestOptions> = {},
  registry = new Registry(),
  serviceLogger: Logger = logger,
): IngestService {
  const service = new IngestService(
    {
      topic: t.topic,
      dlqTopic: t.dlqTopic,
      groupId: t.groupId,
      partitions: t.partitions,
      replicationFactor: 1,
      prefix: 'crypto_data',
      batch: { maxRecords: 50, maxBytes: 5 * 1024 * 1024, maxAgeMs: 1_000 },
      maxRecordBytes: 65_536,
      maxBufferedBytes: 64 * 1024 * 1024,
      sessionTimeoutMs: 6_000,
      ...overrides,
    },
    {
      kafka: createKafka(settings.kafkaBrokers, 'strata-ingest-test', logger),
      store,
      metrics: createIngestMetrics(registry),
      logger: serviceLogger,
    },
  );
  resources.add(() => service.close());
  return service;
}

/**
 * A `strata ingest` child process; its output is kept for diagnosis. It publishes its metrics
 * under a Redis key prefix of its own (`keyPrefix`), removed on cleanup.
 */
export class IngestProcess {
  readonly keyPrefix = `test-ingest-${randomUUID()}:`;
  private readonly strata: StrataProcess;

  constructor(configFile: string, resources: Resources, env: NodeJS.ProcessEnv = {}) {
    this.strata = spawnStrata(['-c', configFile, 'ingest', '--session-timeout', '6s'], {
      AWS_ENDPOINT_URL: awsEndpoint,
      STRATA_LOG_LEVEL: 'info',
      STRATA_KEY_PREFIX: this.keyPrefix,
      ...env,
    });
    resources.add(async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) await this.kill();
      await deleteKeysUnder(this.keyPrefix);
    });
  }

  get child(): ChildProcess {
    return this.strata.child;
  }

  get output(): string {
    return this.strata.output();
  }

  get exited(): Promise<number | null> {
    return this.strata.exited;
  }

  /** Resolves once the process has logged `message` (e.g. 'claimed partition') `times` times. */
  async waitForLog(message: string, times = 1, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `log "${message}" x${times}\n${this.output.slice(-3000)}`,
      () => this.output.split(`"msg":"${message}"`).length - 1 >= times,
      timeoutMs,
    );
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then the exit code; a process still running after `timeoutMs` is killed and fails the test. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)),
    );
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return outcome;
    await this.kill();
    throw new Error(
      `strata ingest still running ${timeoutMs} ms after SIGTERM\n${this.output.slice(-3000)}`,
    );
  }
}

export interface LandedLine {
  key: string;
  partition: number;
  offset: number;
  record: Record<string, unknown>;
}

/** Every line of every data object under `prefix/`. */
export async function readLake(store: ObjectStore, prefix = 'crypto_data'): Promise<LandedLine[]> {
  const objects = (await store.list(`${prefix}/`)).filter((o) => parseObjectKey(o.key) !== null);
  const lines: LandedLine[] = [];
  for (const object of objects) {
    const body = (await store.get(object.key))?.toString('utf8') ?? '';
    for (const text of body.split('\n')) {
      if (text === '') continue;
      const record = JSON.parse(text) as Record<string, unknown>;
      lines.push({
        key: object.key,
        partition: record.kafka_partition as number,
        offset: record.kafka_offset as number,
        record,
      });
    }
  }
  return lines;
}

/** Coordinates that landed more than once (must be empty for exactly-once). */
export function duplicates(lines: readonly LandedLine[]): string[] {
  const seen = new Map<string, number>();
  for (const line of lines) {
    const id = `${line.partition}:${line.offset}`;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`);
}

/** The distinct price sequence numbers that landed (price = 60000 + seq). */
export function landedSequences(lines: readonly LandedLine[]): Set<number> {
  return new Set(lines.map((l) => (l.record.price as number) - 60_000));
}

/** Waits until every sequence number below `total` has landed in the store at least once. */
export async function waitForEveryRecord(
  store: ObjectStore,
  total: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    'every record landed',
    async () => landedSequences(await readLake(store)).size >= total,
    timeoutMs,
  );
}

export async function committedOffsets(t: TestTopic): Promise<Map<number, number>> {
  const [offsets] = await t.admin.fetchOffsets({ groupId: t.groupId, topics: [t.topic] });
  return new Map((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Whether two partition-to-offset maps hold the same offsets for the same partitions. */
export function sameOffsets(a: Map<number, number>, b: Map<number, number>): boolean {
  return a.size === b.size && [...a].every(([partition, offset]) => b.get(partition) === offset);
}

export async function endOffsets(t: TestTopic): Promise<Map<number, number>> {
  const offsets = await t.admin.fetchTopicOffsets(t.topic);
  return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
}

/**
 * Exactly once: `total` lines in the store, no Kafka coordinate twice, and the group committed
 * up to the end of the topic. Returns the lines for further checks.
 */
export async function expectExactlyOnce(
  t: TestTopic,
  store: ObjectStore,
  total: number,
): Promise<LandedLine[]> {
  const lines = await readLake(store);
  expect(duplicates(lines)).toEqual([]);
  const ends = await endOffsets(t);
  const messages = [...ends.values()].reduce((sum, end) => sum + end, 0);
  expect(messages, 'messages in the topic (the producer sent each once)').toBe(total);
  expect(lines).toHaveLength(total);
  expect(await committedOffsets(t)).toEqual(ends);
  return lines;
}
