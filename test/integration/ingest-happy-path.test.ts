import { afterEach, describe, expect, it } from 'vitest';
import { LocalObjectStore, S3ObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  Resources,
  awsEndpoint,
  createIngestService,
  createTestBucket,
  createTestTopic,
  expectExactlyOnce,
  readLake,
  sendValid,
  tempDir,
  testKafka,
  type TestTopic,
} from './ingest-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

async function expectExactlyOnceInLayout(
  t: TestTopic,
  store: ObjectStore,
  total: number,
): Promise<void> {
  const lines = await expectExactlyOnce(t, store, total);
  for (const line of lines) {
    const day = (line.record.last_updated as string).slice(0, 10).split('-');
    expect(line.key).toBe(
      `crypto_data/year=${day[0]}/month=${day[1]}/day=${day[2]}/${t.topic}+${line.partition}+${line.key.split('+').at(-1)}`,
    );
    expect(Object.keys(line.record)).toEqual([
      'id',
      'symbol',
      'name',
      'price',
      'market_cap',
      'total_volume',
      'price_change_percentage_24h',
      'last_updated',
      'kafka_topic',
      'kafka_partition',
      'kafka_offset',
      'kafka_timestamp',
      'ingested_at',
    ]);
    expect(line.record.kafka_topic).toBe(t.topic);
  }
  // Each object is named after the first offset it holds.
  const firstOffsetByKey = new Map<string, number>();
  for (const line of lines)
    firstOffsetByKey.set(
      line.key,
      Math.min(firstOffsetByKey.get(line.key) ?? Infinity, line.offset),
    );
  for (const [key, first] of firstOffsetByKey)
    expect(key.endsWith(`+${String(first).padStart(19, '0')}.jsonl`)).toBe(true);
}

describe('ingest happy path', () => {
  it('lands N produced records as N lines in the local lake, then commits the end offsets on close', async () => {
    const t = await createTestTopic(resources, testKafka(), 3);
    const store = await LocalObjectStore.open(await tempDir(resources, 'lake'));
    const total = 1_000;
    await sendValid(t, 0, total);
    const service = createIngestService(resources, t, store);
    await service.start();
    await waitFor(
      'all records in the lake',
      async () => (await readLake(store)).length >= total,
      60_000,
    );
    await service.close();
    expect(service.currentState).toBe('stopped');
    await expectExactlyOnceInLayout(t, store, total);
    expect(service.stats()).toMatchObject({ consumed: total, valid: total, invalid: 0 });
  });

  it('lands N produced records as N lines in an S3 bucket', async () => {
    const t = await createTestTopic(resources, testKafka(), 3);
    const bucket = await createTestBucket(resources);
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
    resources.add(() => store.close());
    const total = 300;
    const service = createIngestService(resources, t, store);
    await service.start();
    await sendValid(t, 0, total);
    await waitFor(
      'all records in the bucket',
      async () => (await readLake(store)).length >= total,
      60_000,
    );
    await service.close();
    await expectExactlyOnceInLayout(t, store, total);
  });

  it('lands a quiet partition within maxAge, without waiting for a full batch', async () => {
    const t = await createTestTopic(resources, testKafka(), 1);
    const store = await LocalObjectStore.open(await tempDir(resources, 'lake'));
    const service = createIngestService(resources, t, store, {
      batch: { maxRecords: 10_000, maxBytes: 5 * 1024 * 1024, maxAgeMs: 500 },
    });
    await service.start();
    await sendValid(t, 0, 3);
    // The object is visible in the lake a moment before the service counts it as written.
    await waitFor(
      'three records landed by age, and counted',
      async () => (await readLake(store)).length === 3 && service.stats().objects > 0,
      20_000,
    );
    expect(service.stats().objects).toBe(1);
  });

  it('stops with a clear error instead of skipping records when the topic was recreated under the same name', async () => {
    const t = await createTestTopic(resources, testKafka(), 1);
    const store = await LocalObjectStore.open(await tempDir(resources, 'lake'));
    await sendValid(t, 0, 50);
    const first = createIngestService(resources, t, store);
    await first.start();
    await waitFor('first 50 landed', async () => (await readLake(store)).length === 50, 30_000);
    await first.close();

    await t.admin.deleteTopics({ topics: [t.topic] });
    await waitFor(
      'the topic created again',
      () =>
        t.admin
          .createTopics({
            waitForLeaders: true,
            topics: [{ topic: t.topic, numPartitions: 1, replicationFactor: 1 }],
          })
          .then(
            (created) => created,
            () => false,
          ),
      30_000,
    );
    await sendValid(t, 50, 10); // offsets 0..9 again
    const second = createIngestService(resources, t, store);
    await second.start();
    await expect(second.done).rejects.toThrow(
      /ends at offset 10, but offsets up to 50 already landed.*recreated/,
    );
    expect(second.currentState).toBe('failed');
    expect(await readLake(store)).toHaveLength(50);
  });
});
