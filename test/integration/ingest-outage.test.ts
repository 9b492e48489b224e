import { rename, rm, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalObjectStore, S3ObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  Resources,
  awsEndpoint,
  committedOffsets,
  createIngestService,
  createTestBucket,
  createTestTopic,
  endOffsets,
  expectExactlyOnce,
  readLake,
  sameOffsets,
  sendValid,
  tempDir,
  testKafka,
} from './ingest-support.ts';

/** Records sent while storage is down: far more than the sink may buffer. */
const OUTAGE_RECORDS = 2_000;
const TOTAL = 200 + OUTAGE_RECORDS;
const resources = new Resources();
afterEach(() => resources.release());

interface Outage {
  /** What the sink writes to. */
  store: ObjectStore;
  /** What the test reads through (never broken). */
  reader: ObjectStore;
  begin(): Promise<void>;
  end(): Promise<void>;
}

/** The lake folder is replaced by a plain file (chmod would not stop root), then put back. */
async function localFolderOutage(): Promise<Outage> {
  const dir = await tempDir(resources, 'outage');
  const lake = `${dir}/lake`;
  const store = await LocalObjectStore.open(lake);
  return {
    store,
    reader: store,
    begin: async () => {
      await rename(lake, `${dir}/lake.away`);
      await writeFile(lake, 'the lake is gone');
    },
    end: async () => {
      await rm(lake);
      await rename(`${dir}/lake.away`, lake);
    },
  };
}

/** S3 reached through a local TCP proxy that stops accepting and drops its connections. */
async function s3NetworkOutage(): Promise<Outage> {
  const bucket = await createTestBucket(resources);
  const proxy = await TcpProxy.start(awsEndpoint);
  resources.add(() => proxy.close());
  const store = new S3ObjectStore({
    bucket,
    region: 'us-east-1',
    endpoint: proxy.url,
    attempts: 2,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  const reader = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
  resources.add(() => Promise.all([store.close(), reader.close()]).then(() => undefined));
  return { store, reader, begin: () => proxy.stop(), end: () => proxy.restart() };
}

describe('ingest through a storage outage', () => {
  it.each([
    ['a local lake folder that disappears', localFolderOutage],
    ['an S3 endpoint that stops answering', s3NetworkOutage],
  ])(
    'loses nothing, duplicates nothing and commits nothing early: %s',
    async (_label, makeOutage) => {
      const t = await createTestTopic(resources, testKafka(), 2);
      const outage = await makeOutage();
      const service = createIngestService(resources, t, outage.store, {
        batch: { maxRecords: 20, maxBytes: 1_000_000, maxAgeMs: 300 },
        maxBufferedBytes: 1_000_000,
        healBackoff: { initialMs: 200, maxMs: 1_000, factor: 2, jitter: 0 },
      });
      await service.start();

      await sendValid(t, 0, 200);
      await waitFor(
        'first 200 landed',
        async () => (await readLake(outage.reader)).length === 200,
        30_000,
      );
      const beforeOutage = await endOffsets(t);
      await waitFor(
        'first 200 committed',
        async () => sameOffsets(await committedOffsets(t), beforeOutage),
        15_000,
      );

      await outage.begin();
      await sendValid(t, 200, OUTAGE_RECORDS);
      await waitFor(
        'both partitions paused by failing writes',
        () => service.stats().uploadErrors >= 3 && service.stats().paused.length === 2,
        30_000,
      );
      for (let check = 0; check < 5; check++) {
        expect(await committedOffsets(t)).toEqual(beforeOutage); // nothing committed while storage is down
        // Held per partition: the batches cut but not landed (at most 3) and the open one, whatever arrives.
        expect(service.stats().bufferedBytes).toBeLessThanOrEqual(2 * 4 * 20 * 600);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }

      await outage.end();
      await waitFor(
        'everything landed after the outage',
        async () => (await readLake(outage.reader)).length >= TOTAL,
        60_000,
      );
      await service.close();

      await expectExactlyOnce(t, outage.reader, TOTAL);
      expect(service.stats().paused).toEqual([]);
    },
  );
});
