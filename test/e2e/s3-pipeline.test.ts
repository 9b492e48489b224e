import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { LocalObjectStore, S3ObjectStore } from '../../src/storage/index.ts';
import { runCli } from '../helpers/cli.ts';
import { deleteKeysUnder } from '../helpers/redis.ts';
import {
  Resources,
  awsEndpoint,
  createTestBucket,
  createTestTopic,
  readLake,
  tempDir,
  testKafka,
} from '../integration/ingest-support.ts';

const resources = new Resources();
afterAll(() => resources.release());

/**
 * The shipped config with the lake in S3 (moto): STRATA_STORAGE_KIND=s3 and a fresh bucket,
 * with its own topic, group, data folder and Redis prefixes.
 */
async function isolatedS3Pipeline(): Promise<{
  file: string;
  env: NodeJS.ProcessEnv;
  bucket: string;
  dataDir: string;
}> {
  const dir = await tempDir(resources, 's3-e2e');
  const topic = await createTestTopic(resources, testKafka(), 3);
  const bucket = await createTestBucket(resources);
  let text = readFileSync(path.join(PROJECT_ROOT, 'config', 'pipeline.yaml'), 'utf8');
  for (const [from, to] of [
    ['topic: selected_crypto_data', `topic: ${topic.topic}`],
    ['groupId: crypto-s3-sink', `groupId: ${topic.groupId}`],
    ['dbtProject: ./dbt', `dbtProject: ${path.join(PROJECT_ROOT, 'dbt')}`],
  ] as const) {
    expect(text, `the shipped config has "${from}"`).toContain(from);
    text = text.replace(from, to);
  }
  const file = path.join(dir, 'pipeline.yaml');
  writeFileSync(file, text);
  const id = randomUUID().slice(0, 8);
  const keyPrefix = `test-s3e2e-${id}:`;
  const queuePrefix = `test-s3e2e-bull-${id}`;
  resources.add(() => deleteKeysUnder(keyPrefix, `${queuePrefix}:`));
  const dataDir = path.join(dir, 'data');
  return {
    file,
    bucket,
    dataDir,
    env: {
      STRATA_STORAGE_KIND: 's3',
      STRATA_BUCKET: bucket,
      STRATA_DATA_DIR: dataDir,
      AWS_ENDPOINT_URL: awsEndpoint,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      STRATA_KEY_PREFIX: keyPrefix,
      STRATA_QUEUE_PREFIX: queuePrefix,
    },
  };
}

describe('the pipeline with the lake in S3 (moto)', () => {
  it('lands ingest in the bucket, observes it as raw_crypto_batches, builds gold from the mirror, and shows data time from the S3 objects', async () => {
    const { file, env, bucket, dataDir } = await isolatedS3Pipeline();
    const demo = await runCli(['--config', file, 'demo', '--once', '--ticks', '10'], {
      env,
      timeoutMs: 240_000,
    });
    expect(demo.code, `${demo.stdout}\n${demo.stderr}`).toBe(0);
    expect(demo.stderr).toContain(`ingesting into s3://${bucket}`);
    expect(demo.stdout).toMatch(/run run-\S+ succeeded in .*: 4 succeeded/);

    // Ingest landed every record in the bucket, exactly once.
    const s3 = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
    resources.add(() => s3.close());
    const landed = await readLake(s3);
    expect(landed).toHaveLength(30);
    expect(new Set(landed.map((l) => `${l.partition}+${l.offset}`)).size).toBe(30);
    const newest = Math.max(...landed.map((l) => Date.parse(l.record.last_updated as string)));

    // The source asset's data time is the newest record time of the S3 objects.
    const status = await runCli(['--config', file, 'status', '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    const { assets } = JSON.parse(status.stdout) as {
      assets: { key: string; lastStatus: string; dataTime: number | null; freshness: string }[];
    };
    const raw = assets.find((a) => a.key === 'raw_crypto_batches');
    expect(raw).toMatchObject({ lastStatus: 'succeeded', dataTime: newest, freshness: 'fresh' });
    for (const key of ['crypto_raw', 'crypto_stage', 'crypto_curated'])
      expect(assets.find((a) => a.key === key)).toMatchObject({ lastStatus: 'succeeded' });

    // DuckDB read the lake through the local mirror the source asset keeps: the same objects.
    const mirror = await LocalObjectStore.open(path.join(dataDir, 'lake'));
    resources.add(() => mirror.close());
    const mirrored = await readLake(mirror);
    expect(mirrored.map((l) => l.key).sort()).toEqual(landed.map((l) => l.key).sort());
    expect(mirrored).toHaveLength(30);
  }, 300_000);
});
