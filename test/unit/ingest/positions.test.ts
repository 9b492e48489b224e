import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FencedError, PositionLog, type PositionEntry } from '../../../src/ingest/positions.ts';
import { LocalObjectStore } from '../../../src/storage/index.ts';

const entry = (seq: number, owner = 'a'): PositionEntry => ({
  version: 1,
  topic: 't',
  partition: 0,
  epoch: 1,
  owner,
  next: seq * 10,
  pending: null,
  writtenAt: new Date(0).toISOString(),
});

describe('PositionLog', () => {
  let root: string;
  let store: LocalObjectStore;
  let log: PositionLog;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'strata-positions-'));
    store = await LocalObjectStore.open(root);
    log = new PositionLog(store, '_state', 't', 0);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is empty until written, then returns the newest entry', async () => {
    expect(await log.latest()).toBeNull();
    await log.append(0, entry(0));
    await log.append(1, entry(1));
    expect(await log.latest()).toEqual({ seq: 1, entry: entry(1) });
  });

  it('lets only one writer take a slot', async () => {
    await log.append(0, entry(0));
    const racing = await Promise.allSettled([
      log.append(1, entry(1, 'x')),
      log.append(1, entry(1, 'y')),
    ]);
    expect(
      racing.filter((r) => r.status === 'rejected' && r.reason instanceof FencedError),
    ).toHaveLength(1);
  });

  it('fences a stale writer even when pruning freed the slot it aims at', async () => {
    for (let seq = 0; seq < 10; seq++) await log.append(seq, entry(seq));
    await log.prune(9);
    await expect(log.append(2, entry(2, 'zombie'))).rejects.toBeInstanceOf(FencedError);
    expect((await log.latest())?.seq).toBe(9);
  });

  it('prunes old entries but never the newest', async () => {
    for (let seq = 0; seq < 10; seq++) await log.append(seq, entry(seq));
    await log.prune(9);
    const left = await store.list('_state/t/0/');
    expect(left.map((o) => path.basename(o.key))).toEqual([
      '000000000006.json',
      '000000000007.json',
      '000000000008.json',
      '000000000009.json',
    ]);
  });
});
