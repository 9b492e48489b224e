import { afterEach, describe, expect, it } from 'vitest';
import { LocalObjectStore, S3ObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  IngestProcess,
  Resources,
  awsEndpoint,
  createTestBucket,
  createTestTopic,
  expectExactlyOnce,
  landedSequences,
  produceSteadily,
  readLake,
  tempDir,
  testKafka,
  waitForEveryRecord,
  writeTestConfig,
} from './ingest-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

const TOTAL = 3_000;
const KILLS = 3;

async function openLake(
  kind: 'local' | 's3',
  dir: string,
): Promise<{ lake: string; store: ObjectStore }> {
  if (kind === 'local')
    return { lake: `${dir}/lake`, store: await LocalObjectStore.open(`${dir}/lake`) };
  const bucket = await createTestBucket(resources);
  const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
  resources.add(() => store.close());
  return { lake: `s3://${bucket}`, store };
}

describe('ingest killed with SIGKILL mid-stream', () => {
  it.each(['local', 's3'] as const)(
    'lands every record exactly once across repeated kills and restarts (%s)',
    async (kind) => {
      const random = seededRandom(); // the kill points; a failure prints the seed to replay them
      const t = await createTestTopic(resources, testKafka(), 3);
      const dir = await tempDir(resources, 'crash');
      const { lake, store } = await openLake(kind, dir);
      // Small batches cut mostly by age: a restarted process cuts differently than the one killed.
      const config = await writeTestConfig(dir, {
        topic: t,
        lake,
        maxRecords: 40,
        maxAge: '300ms',
      });

      // Records keep arriving while processes die: 3,000 in chunks over about 20 seconds.
      const producing = produceSteadily(t, TOTAL, 15);

      for (let kill = 1; kill <= KILLS; kill++) {
        const landedBefore = (await readLake(store)).length;
        const ingest = new IngestProcess(config, resources);
        await ingest.waitForLog('claimed partition', 3);
        // Kill only once this process has written, at a random point of its work.
        await waitFor(
          `process ${kill} landing records`,
          async () => (await readLake(store)).length > landedBefore,
          30_000,
        );
        await new Promise((resolve) => setTimeout(resolve, random.next() * 800));
        await ingest.kill();
      }

      const last = new IngestProcess(config, resources);
      await producing;
      await waitForEveryRecord(store, TOTAL, 90_000);
      expect(await last.stop()).toBe(0);

      const lines = await expectExactlyOnce(t, store, TOTAL);
      expect(landedSequences(lines).size).toBe(TOTAL);
    },
  );
});
