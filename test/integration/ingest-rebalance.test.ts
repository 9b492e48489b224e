import { afterEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../src/storage/index.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  IngestProcess,
  Resources,
  createTestTopic,
  expectExactlyOnce,
  produceUntil,
  readLake,
  tempDir,
  testKafka,
  waitForEveryRecord,
  writeTestConfig,
} from './ingest-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

/** Enough records that every member lands several batches, however fast the machine is. */
const AT_LEAST = 1_500;

describe('ingest group members coming and going', () => {
  it('lands every record exactly once while one member is killed, one joins and one leaves', async () => {
    const t = await createTestTopic(resources, testKafka(), 4);
    const dir = await tempDir(resources, 'rebalance');
    const lake = `${dir}/lake`;
    const store = await LocalObjectStore.open(lake);
    const config = await writeTestConfig(dir, { topic: t, lake, maxRecords: 30, maxAge: '300ms' });

    // Records keep arriving through every membership change, so each step below (a member
    // claiming a partition, members landing) has work to show, however slow the machine.
    const stopProducing = new AbortController();
    resources.add(() => Promise.resolve(stopProducing.abort()));
    const producing = produceUntil(t, 20, stopProducing.signal);
    const landed = async (): Promise<number> => (await readLake(store)).length;

    const a = new IngestProcess(config, resources);
    await a.waitForLog('claimed partition', 4);
    const b = new IngestProcess(config, resources);
    // B's join makes A give up half of the partitions; both then write.
    await b.waitForLog('claimed partition', 1);
    await a.waitForLog('partitions assigned', 2);
    let before = await landed();
    await waitFor('both members landing', async () => (await landed()) > before, 30_000);

    await a.kill(); // its partitions move to B once its session expires
    await b.waitForLog('partitions assigned', 2);
    before = await landed();
    await waitFor('B landing alone', async () => (await landed()) > before, 30_000);

    const c = new IngestProcess(config, resources); // joins: partitions split between B and C
    await c.waitForLog('claimed partition', 1);
    before = await landed();
    await waitFor('B and C landing', async () => (await landed()) > before, 30_000);

    expect(await b.stop()).toBe(0); // leaves gracefully: C takes everything
    await c.waitForLog('partitions assigned', 2);
    before = await landed();
    await waitFor('C landing alone', async () => (await landed()) > before, 30_000);
    await waitFor('enough records produced', () => producing.sent() >= AT_LEAST, 120_000);
    stopProducing.abort();
    const total = await producing.done;
    await waitForEveryRecord(store, total, 90_000);
    expect(await c.stop()).toBe(0);

    await expectExactlyOnce(t, store, total);
  });
});
