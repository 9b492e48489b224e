import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  resolveStackConfig,
  stackDown,
  stackStatus,
  stackUp,
  venvBin,
} from '../../src/stack/index.ts';
import { isPortOpen } from '../../src/stack/probe.ts';
import { runCli } from '../helpers/cli.ts';
import { freePortPairs } from '../helpers/ports.ts';
import { isAlive } from '../helpers/processes.ts';

const config = resolveStackConfig();
const run = promisify(execFile);

describe('the stack brought up by the global setup', () => {
  it('is reported up, and a second up starts nothing', async () => {
    const statuses = await stackStatus({ config });
    expect(statuses.map((s) => s.state)).toEqual([
      expect.stringMatching(/^running-(ours|external)$/),
      expect.stringMatching(/^running-(ours|external)$/),
      expect.stringMatching(/^running-(ours|external)$/),
      'installed',
    ]);
    const again = await stackUp({ config });
    expect(again.started).toEqual([]);
  });
});

describe('redis', () => {
  it('answers PING', async () => {
    const redis = new Redis(config.redisUrl, { lazyConnect: true });
    await redis.connect();
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('carries a BullMQ job from queue to worker and back', async () => {
    const connection = { url: config.redisUrl, maxRetriesPerRequest: null };
    const name = `test-${randomUUID()}`;
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    const worker = new Worker(
      name,
      (job) => Promise.resolve({ doubled: (job.data as { n: number }).n * 2 }),
      { connection },
    );
    try {
      await events.waitUntilReady();
      const job = await queue.add('double', { n: 21 });
      expect(await job.waitUntilFinished(events, 30_000)).toEqual({ doubled: 42 });
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});

describe('kafka', () => {
  it('creates a topic, then produces and consumes a message on it', async () => {
    const kafka = new Kafka({
      clientId: 'strata-stack-test',
      brokers: [`${config.kafka.host}:${config.kafka.port}`],
      logLevel: logLevel.WARN,
    });
    const topic = `test-${randomUUID()}`;
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `test-${randomUUID()}` });
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'btc', value: 'price=42' }] });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message within 60s')), 60_000);
        void consumer
          .run({
            eachMessage: ({ message }) => {
              clearTimeout(timer);
              resolve(`${message.key?.toString() ?? ''}:${message.value?.toString() ?? ''}`);
              return Promise.resolve();
            },
          })
          .catch(reject);
      });
      expect(received).toBe('btc:price=42');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe('dbt', () => {
  const projectDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-dbt-probe-'));
  afterAll(() => fs.rmSync(projectDir, { recursive: true, force: true }));

  it('reports its version', async () => {
    const { stdout } = await run(venvBin(config, 'dbt'), ['--version'], {
      env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
    });
    expect(stdout).toMatch(/installed: 1\.11\./);
    expect(stdout).toMatch(/duckdb/);
  });

  it('builds a one-model project into a DuckDB file that Node can read', async () => {
    const database = path.join(projectDir, 'probe.duckdb');
    fs.writeFileSync(
      path.join(projectDir, 'dbt_project.yml'),
      "name: stack_probe\nversion: '1.0'\nprofile: stack_probe\nmodel-paths: ['models']\nmodels:\n  stack_probe:\n    +materialized: table\n",
    );
    fs.writeFileSync(
      path.join(projectDir, 'profiles.yml'),
      `stack_probe:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n      path: ${JSON.stringify(database)}\n      threads: 1\n`,
    );
    fs.mkdirSync(path.join(projectDir, 'models'));
    fs.writeFileSync(
      path.join(projectDir, 'models', 'answer.sql'),
      "select 42 as answer, 'stack' as origin\n",
    );

    await run(
      venvBin(config, 'dbt'),
      ['run', '--profiles-dir', projectDir, '--project-dir', projectDir],
      {
        cwd: projectDir,
        env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' },
      },
    );

    const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll('select answer, origin from answer');
      expect(reader.getRowObjectsJS()).toEqual([{ answer: 42, origin: 'stack' }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('moto', () => {
  it('stores and returns an S3 object', async () => {
    const s3 = new S3Client({
      endpoint: `http://${config.moto.host}:${config.moto.port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const bucket = `test-${randomUUID()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    try {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'a/b.jsonl', Body: '{"coin":"btc"}\n' }),
      );
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b.jsonl' }));
      expect(await object.Body?.transformToString()).toBe('{"coin":"btc"}\n');
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a/b.jsonl' }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      s3.destroy();
    }
  });
});

describe('stack up and the pipeline bucket', () => {
  it('creates the configured storage.bucket on moto, once', async () => {
    const bucket = `test-stack-${randomUUID().slice(0, 12)}`;
    const env = {
      STRATA_BUCKET: bucket,
      AWS_ENDPOINT_URL: `http://${config.moto.host}:${config.moto.port}`,
    };
    const s3 = new S3Client({
      endpoint: env.AWS_ENDPOINT_URL,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const first = await runCli(['stack', 'up', '--only', 'moto'], { env });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).toContain(`stack: moto: bucket ${bucket} created`);
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      const again = await runCli(['stack', 'up', '--only', 'moto'], { env });
      expect(again.code).toBe(0);
      expect(again.stderr).toContain(`stack: moto: bucket ${bucket} already exists`);
    } finally {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
      s3.destroy();
    }
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('stack up and down on other ports', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-stack-'));
  afterAll(async () => {
    await stackDown({ config: resolveStackConfig({ ...process.env, STRATA_STACK_DIR: stateDir }) });
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts its own Redis and moto, reports them as ours, and down stops exactly those', async () => {
    const own = resolveStackConfig({
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}`,
      STRATA_STACK_DIR: stateDir,
    });
    const up = await stackUp({ config: own, services: ['redis', 'moto'] });
    expect(up.started).toEqual(['redis', 'moto']);
    expect(up.services.map((s) => s.state)).toEqual(['running-ours', 'running-ours']);
    const pids = up.services.map((s) => s.pid ?? 0);

    // The shared Redis on the default port is someone else's: reported external, never stopped.
    const shared = resolveStackConfig({ ...process.env, STRATA_STACK_DIR: stateDir });
    expect((await stackStatus({ config: shared, services: ['redis'] }))[0]?.state).toBe(
      'running-external',
    );

    // Moving our Redis to another port while it runs would orphan it: up refuses and says how to fix it.
    const moved = resolveStackConfig({
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      STRATA_STACK_DIR: stateDir,
    });
    await expect(stackUp({ config: moved, services: ['redis'] })).rejects.toThrow(
      /still runs at .*stack down --only redis/,
    );

    const down = await stackDown({ config: own, services: ['redis', 'moto'] });
    expect(down.services).toEqual([
      { name: 'redis', outcome: 'stopped' },
      { name: 'moto', outcome: 'stopped' },
    ]);
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    expect(
      (await stackStatus({ config: own, services: ['redis', 'moto'] })).map((s) => s.state),
    ).toEqual(['stopped', 'stopped']);
    expect((await stackDown({ config: shared, services: ['redis'] })).services).toEqual([
      { name: 'redis', outcome: 'external' },
    ]);
    expect((await stackStatus({ config: shared, services: ['redis'] }))[0]?.state).toBe(
      'running-external',
    );
  });

  it('refuses to start Kafka while its controller port is taken, naming the port, instead of a broker that never reaches its controller', async () => {
    const [port] = (await freePortPairs(1)) as [number];
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port + 1, '127.0.0.1', resolve));
    try {
      const config = {
        ...resolveStackConfig({
          ...process.env,
          KAFKA_BROKERS: `127.0.0.1:${port}`,
          STRATA_STACK_DIR: stateDir,
        }),
        startTimeoutMs: 1_000,
      };
      const progress: string[] = [];
      await expect(
        stackUp({ config, services: ['kafka'], onProgress: (m) => progress.push(m) }),
      ).rejects.toThrow(`127.0.0.1:${port + 1}, which it also binds, is in use by another process`);
      expect(progress.join('\n')).toContain(`127.0.0.1:${port + 1} is still taken`);
      expect(await isPortOpen({ host: '127.0.0.1', port })).toBe(false);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
