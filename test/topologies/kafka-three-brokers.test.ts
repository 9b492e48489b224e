/**
 * Issue 15: ingest on a three-broker KRaft cluster (`strata stack up --kafka-brokers 3`) with
 * replication factor 3, one broker SIGKILLed while records flow: every record that reached the
 * topic lands exactly once, offsets are committed to the end, and the one ingest process
 * carries on.
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

    // Ingest's guarantee: every record in the topic lands exactly once. The end offsets are
    // final once the producer is done, so the lake must reach exactly them.
    const ends = await endOffsets(t);
    const total = [...ends.values()].reduce((sum, end) => sum + end, 0);
    await waitFor(
      'every record of the topic landed',
      async () => (await readLake(store)).length >= total,
      90_000,
    ).catch(async (error: unknown) => {
      throw new Error(
        `${errorMessage(error)}\n${await lakeReport(store, t)}\n${ingest.output.slice(-3000)}`,
        { cause: error },
      );
    });
    expect(ingest.child.exitCode).toBeNull(); // the same process, never restarted
    await waitFor(
      'offsets committed up to the end of the topic',
      async () => sameOffsets(await committedOffsets(t), await endOffsets(t)),
      60_000,
    );
    const lines = await readLake(store);
    expect(duplicates(lines)).toEqual([]);
    const expected = [...ends].flatMap(([partition, end]) =>
      Array.from({ length: end }, (_, offset) => `${partition}:${offset}`),
    );
    expect(lines.map((l) => `${l.partition}:${l.offset}`).sort()).toEqual(expected.sort());
    // The producer's side, reported rather than asserted: with the leader SIGKILLed, kafkajs
    // 2.2.4 (not idempotent) has resolved a send whose records for that partition never reached
    // the log (seen once here: 5 of 1,500), and retried others into duplicates at new offsets.
    // Neither is ingest's doing: the lake holds exactly what the topic holds.
    const landed = landedSequences(lines);
    const ackedAbsent = acked.filter((seq) => !landed.has(seq));
    progress(
      `topic: ${total} records for ${TOTAL} sent; acknowledged but not in the topic: ${ackedAbsent.length}`,
    );
    expect(landed.size).toBeGreaterThan(TOTAL * 0.95);

    expect(await ingest.stop()).toBe(0);
  }, 300_000);
});

/** What landed against what the topic holds, for a failure message. */
async function lakeReport(
  store: LocalObjectStore,
  t: Parameters<typeof endOffsets>[0],
): Promise<string> {
  const lines = await readLake(store);
  const landed = landedSequences(lines);
  const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((seq) => !landed.has(seq));
  const ends = await endOffsets(t);
  const byPartition = [...ends].map(([partition, end]) => {
    const offsets = new Set(lines.filter((l) => l.partition === partition).map((l) => l.offset));
    const absent = Array.from({ length: end }, (_, o) => o).filter((o) => !offsets.has(o));
    return `p${partition}: end ${end}, landed ${offsets.size}, absent offsets ${JSON.stringify(absent.slice(0, 40))}`;
  });
  return [
    `${lines.length} lines, ${landed.size} distinct sequences; missing ${JSON.stringify(missing.slice(0, 40))}`,
    `duplicates ${JSON.stringify(duplicates(lines).slice(0, 20))}`,
    ...byPartition,
  ].join('\n');
}
