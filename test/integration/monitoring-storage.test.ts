import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectKey } from '../../src/ingest/layout.ts';
import { StorageStats } from '../../src/monitoring/storage/storage-stats.ts';
import { S3ObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { Resources, awsEndpoint, createTestBucket } from './ingest-support.ts';

describe('storage stats on S3 (moto)', () => {
  const resources = new Resources();
  let store: ObjectStore;

  beforeEach(async () => {
    const bucket = await createTestBucket(resources);
    store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
    resources.add(() => store.close());
  });

  afterEach(async () => {
    await resources.release();
  });

  it('counts per day with S3 listings that start after the last key counted', async () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const requests: Array<[string, string | undefined]> = [];
    const listing: Pick<ObjectStore, 'list'> = {
      list: (prefix, startAfter) => {
        requests.push([prefix, startAfter]);
        return store.list(prefix, startAfter);
      },
    };
    const stats = new StorageStats(listing, {
      prefix: 'crypto_data',
      lookbackDays: 1,
      partitions: [{ topic: 'prices', partition: 0 }],
      now: () => now,
    });
    const key = (partition: number, offset: number) =>
      objectKey('crypto_data', '2026-11-25', 'prices', partition, String(offset));
    const put = (partition: number, offset: number, body: string) =>
      store.put(key(partition, offset), body);

    await put(0, 100, '{"a":1}\n');
    await put(1, 200, '{"b":2}\n{"b":3}\n');
    expect((await stats.refresh()).days).toEqual([{ day: '2026-11-25', objects: 2, bytes: 24 }]);

    requests.length = 0;
    await put(0, 150, '{"c":4}\n');
    const pass = await stats.refresh();
    expect(pass).toMatchObject({
      newObjects: 1,
      newBytes: 8,
      days: [{ day: '2026-11-25', objects: 3, bytes: 32 }],
    });
    const day = 'crypto_data/year=2026/month=11/day=25/';
    expect(requests).toEqual([
      [`${day}prices+0+`, key(0, 100)],
      [`${day}prices+1+`, key(1, 200)],
      [day, key(1, 200)],
    ]);
  });
});
