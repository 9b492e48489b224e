import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionSink } from '../../../src/ingest/partition-sink.ts';
import { PositionLog } from '../../../src/ingest/positions.ts';
import { DeadlineExceededError } from '../../../src/shared/deadline.ts';
import { LocalObjectStore } from '../../../src/storage/index.ts';
import { waitFor } from '../../helpers/wait.ts';
import { keepGoing, landedOffsets, messages, sinkContext } from '../ingest/helpers.ts';

/**
 * A file system that stops answering, for real: every thread of libuv's pool (where Node runs
 * file system calls) is parked in open() on a FIFO nobody writes to, so the store's next call
 * queues behind them, exactly as behind a hung NFS mount. Releasing opens the FIFO for writing;
 * the parked calls return and the queued ones run, late.
 */
async function hangFileSystem(dir: string): Promise<{ release(): Promise<void> }> {
  const fifo = path.join(dir, 'hang.fifo');
  await promisify(execFile)('mkfifo', [fifo]);
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const parked: Promise<FileHandle>[] = Array.from({ length: threads + 4 }, () => open(fifo, 'r'));
  return {
    release: async () => {
      // Synchronous, so it does not need the parked pool; O_RDWR never blocks on a FIFO.
      const writer = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
      try {
        for (const handle of parked) await (await handle).close();
      } finally {
        closeSync(writer);
      }
    },
  };
}

describe('LocalObjectStore when the file system hangs', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'strata-local-hang-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stops waiting at its deadline, and works again once the file system answers', async () => {
    const store = await LocalObjectStore.open(path.join(root, 'lake'), {
      operationTimeoutMs: 200,
    });
    await store.put('a/one.json', 'before');
    const hang = await hangFileSystem(root);
    const error = await store.get('a/one.json').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toMatch(/^local get file:\/\/.*\/a\/one\.json did not finish/);
    await hang.release();
    expect((await store.get('a/one.json'))?.toString()).toBe('before');
  });

  it('a position entry that lands after its deadline is recognised as its own on retry: one object, no fencing', async () => {
    const lake = path.join(root, 'lake');
    const store = await LocalObjectStore.open(lake, { operationTimeoutMs: 200 });
    const ctx = sinkContext(store, { limits: { maxRecords: 100, maxBytes: 1e6, maxAgeMs: 1e6 } });
    const sink = await PartitionSink.claim(ctx, 0);
    await sink.consume(messages(0, 4), keepGoing);

    const hang = await hangFileSystem(root);
    await expect(sink.flushOpen()).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(ctx.recorded.failures).toHaveLength(1);
    expect(ctx.recorded.settled).toEqual([]);
    await hang.release();

    // The append the sink gave up on goes on in the background and lands: the log now holds it.
    const log = new PositionLog(store, ctx.statePrefix, ctx.topic, ctx.partition);
    const landed = await waitFor('the abandoned append to land', async () => {
      const latest = await log.latest();
      return latest?.seq === 1 ? latest : undefined;
    });
    expect(landed.entry).toMatchObject({ owner: ctx.owner, pending: { start: 0, end: 4 } });

    await sink.retry();
    expect(ctx.recorded.settled).toEqual([5]);
    expect((await landedOffsets(store)).map((o) => o.offsets)).toEqual([[0, 1, 2, 3, 4]]);
    expect((await log.latest())?.seq).toBe(1); // the retry added no entry of its own
  });
});
