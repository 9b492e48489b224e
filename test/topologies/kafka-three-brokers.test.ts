/**
 * Issue 15: ingest on a three-broker KRaft cluster (`strata stack up --kafka-brokers 3`) with
 * replication factor 3, one broker SIGKILLed while records flow: every record that reached the
 * topic lands exactly once, nothing acknowledged is lost, and the one ingest process carries on.
 * The cluster runs on ports and in a state folder of its own; the shared broker is untouched.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/shared/errors.ts';
import {
  resolveStackConfig,
  stackDown,
  stackPaths,
  stackStatus,
  stackUp,
  type StackConfig,
} from '../../src/stack/index.ts';
import { readPidFile } from '../../src/stack/processes.ts';
import { LocalObjectStore } from '../../src/storage/index.ts';
import { freePortPairs } from '../helpers/ports.ts';
import { isAlive } from '../helpers/processes.ts';
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
  tempDir,
  waitForEveryRecord,
  writeTestConfig,
} from '../integration/ingest-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

const TOTAL = 1_500;
let cluster: StackConfig | undefined;
let brokers: string[];

const loaded = Date.now();
const progress = (message: string): void => {
  process.stderr.write(`[3 brokers +${((Date.now() - loaded) / 1000).toFixed(1)}s] ${message}\n`);
};

beforeAll(async () => {
  brokers = (await freePortPairs(3)).map((port) => `127.0.0.1:${port}`);
  const stateDir = await mkdtemp(path.join(tmpdir(), 'strata-test-kafka3-'));
  cluster = resolveStackConfig(
    { ...process.env, KAFKA_BROKERS: brokers.join(','), STRATA_STACK_DIR: stateDir },
    {},
    { kafkaBrokers: 3 },
  );
  await stackUp({ services: ['kafka'], config: cluster, onProgress: progress });
}, 300_000);

afterAll(async () => {
  if (cluster === undefined) return;
  await stackDown({ services: ['kafka'], config: cluster, onProgress: progress });
  await rm(cluster.stateDir, { recursive: true, force: true });
}, 60_000);

function threeBrokers(): StackConfig {
  if (cluster === undefined) throw new Error('the three-broker cluster was not configured');
  return cluster;
}

describe('ingest on three Kafka brokers, replication factor 3', () => {
  it('lands every record exactly once when the leader of a partition is killed mid-stream', async () => {
    const statuses = await stackStatus({ services: ['kafka'], config: threeBrokers() });
    expect(statuses.map((s) => [s.address, s.state])).toEqual(
      brokers.map((b) => [b, 'running-ours']),
    );

    const kafka = new Kafka({
      clientId: 'strata-kafka3-test',
      brokers,
      logLevel: logLevel.NOTHING,
    });
    const t = await createTestTopic(resources, kafka, 3, 3);
    const metadata = await t.admin.fetchTopicMetadata({ topics: [t.topic] });
    const partitions = metadata.topics[0]?.partitions ?? [];
    expect(partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);

    const dir = await tempDir(resources, 'kafka3');
    const store = await LocalObjectStore.open(`${dir}/lake`);
    resources.add(() => store.close());
    const config = await writeTestConfig(dir, {
      topic: t,
      lake: `${dir}/lake`,
      maxRecords: 50,
      maxAge: '300ms',
      replicationFactor: 3,
    });
    const ingest = new IngestProcess(config, resources, { KAFKA_BROKERS: brokers.join(',') });

    // A steady stream; a chunk the cluster did not acknowledge is sent again (it may then be
    // in the topic twice, at other offsets: still one line per offset in the lake).
    const acked: number[] = [];
    let sent = 0;
    let failedSends = 0;
    const producing = (async () => {
      while (sent < TOTAL) {
        const count = Math.min(15, TOTAL - sent);
        try {
          await sendValid(t, sent, count);
          for (let i = 0; i < count; i++) acked.push(sent + i);
          sent += count;
        } catch {
          failedSends++;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    await waitFor(
      'first records landed',
      async () => (await readLake(store)).length >= 200,
      60_000,
    );
    // The leader of partition 0 now: killing it forces a leader election on live traffic.
    const current = (await t.admin.fetchTopicMetadata({ topics: [t.topic] })).topics[0];
    const victim = current?.partitions.find((p) => p.partitionId === 0)?.leader ?? -1;
    expect(victim).toBeGreaterThanOrEqual(1);
    const record = readPidFile(stackPaths(threeBrokers()).pidFile(`kafka-${victim}`));
    expect(record, `pid file of broker ${victim}`).toBeDefined();
    process.kill(record!.pid, 'SIGKILL');
    await waitFor(
      'the broker process is gone',
      () => Promise.resolve(!isAlive(record!.pid)),
      10_000,
    );
    const sentAtKill = sent;
    progress(`SIGKILLed broker ${victim} (pid ${record!.pid}) after ${sentAtKill} records sent`);

    await waitFor(
      'partition 0 led by another broker',
      async () => {
        const after = await t.admin.fetchTopicMetadata({ topics: [t.topic] });
        const p0 = after.topics[0]?.partitions.find((p) => p.partitionId === 0);
        return p0 !== undefined && p0.leader !== victim && p0.leader >= 1;
      },
      60_000,
    );

    await producing;
    progress(`all ${sent} records sent (${failedSends} chunks resent)`);
    expect(sent).toBeGreaterThan(sentAtKill); // the stream went on on two brokers

    await waitForEveryRecord(store, TOTAL, 90_000).catch((error: unknown) => {
      throw new Error(`${errorMessage(error)}\n${ingest.output.slice(-3000)}`, { cause: error });
    });
    expect(ingest.child.exitCode).toBeNull(); // the same process, never restarted

    // Exactly once: every offset of the topic is one line in the lake, none twice, and every
    // acknowledged record is among them.
    await waitFor(
      'offsets committed up to the end of the topic',
      async () => sameOffsets(await committedOffsets(t), await endOffsets(t)),
      60_000,
    );
    const ends = await endOffsets(t);
    const lines = await readLake(store);
    expect(duplicates(lines)).toEqual([]);
    const expected = [...ends].flatMap(([partition, end]) =>
      Array.from({ length: end }, (_, offset) => `${partition}:${offset}`),
    );
    expect(lines.map((l) => `${l.partition}:${l.offset}`).sort()).toEqual(expected.sort());
    const landed = landedSequences(lines);
    expect(acked.filter((seq) => !landed.has(seq))).toEqual([]);

    expect(await ingest.stop()).toBe(0);
  }, 300_000);
});
