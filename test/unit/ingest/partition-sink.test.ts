import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionSink } from '../../../src/ingest/partition-sink.ts';
import { FencedError, PositionLog } from '../../../src/ingest/positions.ts';
import { LocalObjectStore, type ObjectStore, type PutOptions } from '../../../src/storage/index.ts';
import { keepGoing, landedOffsets, message, messages, priceValue, sinkContext } from './helpers.ts';

/** A store whose data writes can be made to fail or to wait, to stage crashes between steps. */
class StagedStore implements ObjectStore {
  readonly location = 'staged';
  failData = false;
  failPositionReplyOnce = false;
  holdData: Promise<void> | null = null;
  /** Data writes that reached `holdData` and wait there: the signal that a landing is parked. */
  private held = 0;
  private heldWaiters: Array<{ count: number; resolve: () => void }> = [];
  constructor(private readonly inner: ObjectStore) {}
  /** Resolves once `count` data writes are (or were) waiting on `holdData`. */
  writesHeld(count: number): Promise<void> {
    if (this.held >= count) return Promise.resolve();
    return new Promise((resolve) => this.heldWaiters.push({ count, resolve }));
  }
  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    if (key.endsWith('.jsonl')) {
      if (this.failData) throw Object.assign(new Error('storage down'), { code: 'EIO' });
      const hold = this.holdData;
      if (hold) {
        this.held++;
        for (const w of this.heldWaiters.filter((w) => w.count <= this.held)) w.resolve();
        await hold;
      }
    }
    await this.inner.put(key, body, options);
    if (!key.endsWith('.jsonl') && this.failPositionReplyOnce) {
      this.failPositionReplyOnce = false;
      throw Object.assign(new Error('reply lost'), { code: 'ECONNRESET' });
    }
  }
  get(key: string) {
    return this.inner.get(key);
  }
  list(prefix: string, startAfter?: string) {
    return this.inner.list(prefix, startAfter);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  close() {
    return this.inner.close();
  }
}

function allOffsets(objects: { offsets: number[] }[]): number[] {
  return objects.flatMap((o) => o.offsets).sort((a, b) => a - b);
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('PartitionSink', () => {
  let root: string;
  let local: LocalObjectStore;
  let store: StagedStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'strata-sink-'));
    local = await LocalObjectStore.open(root);
    store = new StagedStore(local);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('cuts batches by record count, names objects by start offset and settles after each', async () => {
    const ctx = sinkContext(store, { limits: { maxRecords: 10, maxBytes: 1e6, maxAgeMs: 1000 } });
    const sink = await PartitionSink.claim(ctx, 0);
    expect(await sink.consume(messages(0, 24), keepGoing)).toEqual({
      outcome: 'done',
      lastOffset: 24,
    });
    await sink.flushOpen();
    const objects = await landedOffsets(local);
    expect(objects.map((o) => path.basename(o.key))).toEqual([
      'prices+0+0000000000000000000.jsonl',
      'prices+0+0000000000000000010.jsonl',
      'prices+0+0000000000000000020.jsonl',
    ]);
    expect(objects.map((o) => o.offsets)).toEqual([range(0, 9), range(10, 19), range(20, 24)]);
    expect(ctx.recorded.settled).toEqual([10, 20, 25]);
  });

  it('cuts before a record that would push the object over maxBytes', async () => {
    const lineBytes = 420;
    const sink = await PartitionSink.claim(
      sinkContext(store, { limits: { maxRecords: 1000, maxBytes: lineBytes * 3, maxAgeMs: 1000 } }),
      0,
    );
    await sink.consume(messages(0, 9), keepGoing);
    await sink.flushOpen();
    const objects = await landedOffsets(local);
    expect(objects.every((o) => o.offsets.length <= 3)).toBe(true);
    expect(allOffsets(objects)).toEqual(range(0, 9));
  });

  it('never lets one object span two UTC days', async () => {
    const sink = await PartitionSink.claim(sinkContext(store), 0);
    await sink.consume(
      [
        message(0, priceValue(0, '2026-11-25T23:59:59.000Z')),
        message(1, priceValue(1, '2026-11-25T23:59:59.900Z')),
        message(2, priceValue(2, '2026-11-26T00:00:00.100Z')),
      ],
      keepGoing,
    );
    await sink.flushOpen();
    const objects = await landedOffsets(local);
    expect(objects).toEqual([
      {
        key: 'crypto_data/year=2026/month=11/day=25/prices+0+0000000000000000000.jsonl',
        offsets: [0, 1],
      },
      {
        key: 'crypto_data/year=2026/month=11/day=26/prices+0+0000000000000000002.jsonl',
        offsets: [2],
      },
    ]);
  });

  it('writes the same line whether or not the message was already in canonical form', async () => {
    const sink = await PartitionSink.claim(sinkContext(store), 0);
    const canonical = priceValue(0);
    const spaced = Buffer.from(JSON.stringify(JSON.parse(canonical.toString()), null, 2));
    await sink.consume([message(0, canonical), message(1, spaced)], keepGoing);
    await sink.flushOpen();
    const [object] = await local.list('crypto_data/');
    const [first, second] = (await local.get(object!.key))!.toString().split('\n');
    const strip = (line: string) =>
      line.replace(/"kafka_offset":\d+,"kafka_timestamp":"[^"]+"/, '');
    expect(strip(second!)).toBe(strip(first!));
    expect(JSON.parse(second!)).toMatchObject({
      ...JSON.parse(canonical.toString()),
      kafka_offset: 1,
    });
  });

  it('dead-letters invalid records with their reason and lands the rest', async () => {
    const ctx = sinkContext(store);
    const sink = await PartitionSink.claim(ctx, 0);
    await sink.consume(
      [message(0), message(1, Buffer.from('not json')), message(2, null), message(3)],
      keepGoing,
    );
    await sink.flushOpen();
    expect(ctx.recorded.deadLetters.map((d) => [d.message.offset, d.reason])).toEqual([
      ['1', 'invalid_json'],
      ['2', 'null_value'],
    ]);
    expect(allOffsets(await landedOffsets(local))).toEqual([0, 3]);
    expect(ctx.recorded.settled).toEqual([4]);
    expect(ctx.recorded).toMatchObject({ valid: 2, invalid: 2 });
  });

  it('settles a batch of only invalid records without writing an object', async () => {
    const ctx = sinkContext(store);
    const sink = await PartitionSink.claim(ctx, 0);
    await sink.consume([message(0, Buffer.from('{')), message(1, Buffer.from('[]'))], keepGoing);
    await sink.flushOpen();
    expect(await landedOffsets(local)).toEqual([]);
    const latest = await new PositionLog(local, ctx.statePrefix, 'prices', 0).latest();
    expect(latest?.entry).toMatchObject({ next: 2, pending: null });
  });

  it('rewrites an announced range exactly after a crash, even when the new owner would cut differently', async () => {
    // First owner: batches of 50 by age; announces 0..49, then dies before the object lands.
    const first = await PartitionSink.claim(
      sinkContext(store, { limits: { maxRecords: 50, maxBytes: 1e6, maxAgeMs: 1 } }),
      0,
    );
    store.failData = true;
    await first.consume(messages(0, 49), keepGoing);
    await expect(first.flushOpen()).rejects.toThrow('storage down');
    expect(await landedOffsets(local)).toEqual([]);

    // New owner: batches of 100. Kafka redelivers from the committed offset (nothing committed: 0).
    store.failData = false;
    const ctx = sinkContext(store, { limits: { maxRecords: 100, maxBytes: 1e6, maxAgeMs: 1000 } });
    const second = await PartitionSink.claim(ctx, 0);
    expect(second.position).toBe(0);
    await second.consume(messages(0, 160), keepGoing);
    await second.flushOpen();
    const objects = await landedOffsets(local);
    expect(objects.map((o) => [path.basename(o.key), o.offsets[0], o.offsets.at(-1)])).toEqual([
      ['prices+0+0000000000000000000.jsonl', 0, 49],
      ['prices+0+0000000000000000050.jsonl', 50, 149],
      ['prices+0+0000000000000000150.jsonl', 150, 160],
    ]);
    expect(allOffsets(objects)).toEqual(range(0, 160));
  });

  it('resumes after the announced object when it already landed, without reading it again', async () => {
    const first = await PartitionSink.claim(
      sinkContext(store, { limits: { maxRecords: 10, maxBytes: 1e6, maxAgeMs: 1000 } }),
      0,
    );
    await first.consume(messages(0, 9), keepGoing);
    await first.flushOpen();
    const second = await PartitionSink.claim(sinkContext(store), 0);
    expect(second.position).toBe(10);
    expect(second.settled).toBe(10);
  });

  it('fences the previous owner: once another sink claimed, its writes fail and it lands nothing', async () => {
    const zombie = await PartitionSink.claim(sinkContext(store), 0);
    await zombie.consume(messages(0, 29), keepGoing);
    const owner = await PartitionSink.claim(sinkContext(store), 0);
    await expect(zombie.flushOpen()).rejects.toBeInstanceOf(FencedError);
    expect(await landedOffsets(local)).toEqual([]);
    await owner.consume(messages(0, 39), keepGoing);
    await owner.flushOpen();
    expect(allOffsets(await landedOffsets(local))).toEqual(range(0, 39));
  });

  it('keeps records once when a previous owner announced just before the claim and writes late', async () => {
    let release!: () => void;
    store.holdData = new Promise<void>((resolve) => (release = resolve));
    const zombie = await PartitionSink.claim(
      sinkContext(store, { limits: { maxRecords: 20, maxBytes: 1e6, maxAgeMs: 1000 } }),
      0,
    );
    await zombie.consume(messages(0, 19), keepGoing); // cuts 0..19; landing announces it, then waits on storage
    await store.writesHeld(1); // announced (the announce comes first) and its data write parked

    const ctx = sinkContext(store, { limits: { maxRecords: 7, maxBytes: 1e6, maxAgeMs: 1000 } });
    store.holdData = null;
    const owner = await PartitionSink.claim(ctx, 0);
    expect(owner.position).toBe(0); // it must replay the announced 0..19 first
    await owner.consume(messages(0, 30), keepGoing);
    await owner.flushOpen();
    release();
    await zombie.flushOpen(); // the late write of the announced range

    const objects = await landedOffsets(local);
    expect(objects.find((o) => o.key.endsWith('+0+0000000000000000000.jsonl'))?.offsets).toEqual(
      range(0, 19),
    );
    expect(allOffsets(objects)).toEqual(range(0, 30));
  });

  it('recognises its own position entry when the reply to a successful write was lost', async () => {
    // The clock moves between the attempt and its retry, as in production: the retry must
    // append the very entry the first attempt wrote, not a rebuilt one with a newer writtenAt.
    let clock = Date.parse('2026-11-25T10:00:05.000Z');
    const ctx = sinkContext(store, {
      limits: { maxRecords: 5, maxBytes: 1e6, maxAgeMs: 1000 },
      now: () => (clock += 1_000),
    });
    const sink = await PartitionSink.claim(ctx, 0);
    store.failPositionReplyOnce = true;
    await sink.consume(messages(0, 4), keepGoing);
    await expect(sink.flushOpen()).rejects.toThrow('reply lost');
    expect(sink.isStuck).toBe(true);
    expect(ctx.recorded.failures).toHaveLength(1);
    const written = (await new PositionLog(local, ctx.statePrefix, 'prices', 0).latest())!;
    expect(written.entry.pending).toMatchObject({ start: 0, end: 4 });

    await sink.retry();
    expect(sink.isStuck).toBe(false);
    expect(ctx.recorded.failures).toHaveLength(1);
    expect(allOffsets(await landedOffsets(local))).toEqual(range(0, 4));
    expect(ctx.recorded.settled).toEqual([5]);
    expect(await new PositionLog(local, ctx.statePrefix, 'prices', 0).latest()).toEqual(written);

    // The sink still owns the partition: its next batch lands on the following slot.
    await sink.consume(messages(5, 9), keepGoing);
    await sink.flushOpen();
    expect(allOffsets(await landedOffsets(local))).toEqual(range(0, 9));
    expect(ctx.recorded.settled).toEqual([5, 10]);
  });

  it('skips messages below its position, which an earlier owner already landed', async () => {
    const first = await PartitionSink.claim(
      sinkContext(store, { limits: { maxRecords: 10, maxBytes: 1e6, maxAgeMs: 1000 } }),
      0,
    );
    await first.consume(messages(0, 9), keepGoing);
    await first.flushOpen();
    const second = await PartitionSink.claim(sinkContext(store), 0);
    expect(await second.consume(messages(0, 14), keepGoing)).toEqual({
      outcome: 'done',
      lastOffset: 14,
    });
    await second.flushOpen();
    expect(allOffsets(await landedOffsets(local))).toEqual(range(0, 14));
  });

  it('keeps failed batches and lands them in order on retry, taking nothing new meanwhile', async () => {
    const ctx = sinkContext(store, { limits: { maxRecords: 5, maxBytes: 1e6, maxAgeMs: 1000 } });
    const sink = await PartitionSink.claim(ctx, 0);
    store.failData = true;
    expect(await sink.consume(messages(0, 9), keepGoing)).toEqual({
      outcome: 'done',
      lastOffset: 9,
    });
    await expect(sink.flushOpen()).rejects.toThrow('storage down');
    expect(ctx.recorded.failures).toHaveLength(1);
    expect(await sink.consume(messages(10, 14), keepGoing)).toEqual({
      outcome: 'stopped',
      lastOffset: null,
    });
    await expect(sink.retry()).rejects.toThrow('storage down');
    expect(ctx.recorded.settled).toEqual([]);
    store.failData = false;
    await sink.retry();
    expect(ctx.recorded.settled).toEqual([5, 10]);
    await sink.consume(messages(10, 14), keepGoing);
    await sink.flushOpen();
    expect(allOffsets(await landedOffsets(local))).toEqual(range(0, 14));
    expect(ctx.recorded.settled).toEqual([5, 10, 15]);
  });

  it('stops taking messages when more batches wait to land than it may hold', async () => {
    let release!: () => void;
    store.holdData = new Promise<void>((resolve) => (release = resolve));
    const sink = await PartitionSink.claim(
      sinkContext(store, { limits: { maxRecords: 2, maxBytes: 1e6, maxAgeMs: 1000 } }),
      0,
    );
    let finished = false;
    const consuming = sink.consume(messages(0, 19), keepGoing).then((r) => {
      finished = true;
      return r;
    });
    // consume() parks on the landing without I/O of its own, before the landing's first write
    // can reach storage: once that write is held, consume() is parked for good.
    await store.writesHeld(1);
    expect(finished).toBe(false);
    expect(sink.position).toBeLessThanOrEqual(8); // three batches of two cut, the third waits
    store.holdData = null;
    release();
    expect(await consuming).toEqual({ outcome: 'done', lastOffset: 19 });
    await sink.flushOpen();
    expect(allOffsets(await landedOffsets(local))).toEqual(range(0, 19));
  });

  it('is due for an age flush only once its open batch is older than maxAge', async () => {
    let now = 1_000;
    const sink = await PartitionSink.claim(
      sinkContext(store, {
        limits: { maxRecords: 100, maxBytes: 1e6, maxAgeMs: 500 },
        now: () => now,
      }),
      0,
    );
    expect(sink.isDue(now)).toBe(false);
    await sink.consume(messages(0, 2), keepGoing);
    now += 499;
    expect(sink.isDue(now)).toBe(false);
    now += 1;
    expect(sink.isDue(now)).toBe(true);
  });
});
