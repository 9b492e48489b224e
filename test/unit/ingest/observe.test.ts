import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectKey } from '../../../src/ingest/layout.ts';
import { LakeObserver, observeLake } from '../../../src/ingest/observe.ts';
import { LocalObjectStore } from '../../../src/storage/index.ts';

const line = (lastUpdated: string): string =>
  `${JSON.stringify({ id: 'bitcoin', price: 1, last_updated: lastUpdated })}\n`;
const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('observeLake', () => {
  let root: string;
  let store: LocalObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'strata-observe-'));
    store = await LocalObjectStore.open(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports an empty lake as having no data time', async () => {
    expect(await observeLake(store, 'crypto_data', NOW)).toEqual({
      newestRecordTime: null,
      objectCount: 0,
      recordCount: 0,
      latestDay: null,
    });
  });

  it('finds the latest day and its newest record, counting objects and records of that day', async () => {
    await store.put(
      objectKey('crypto_data', '2026-11-24', 't', 0, '0'),
      line('2026-11-24T23:00:00.000Z'),
    );
    await store.put(
      objectKey('crypto_data', '2026-11-25', 't', 0, '1'),
      line('2026-11-25T09:00:00.000Z') + line('2026-11-25T11:30:00.000Z'),
    );
    await store.put(
      objectKey('crypto_data', '2026-11-25', 't', 1, '0'),
      line('2026-11-25T10:00:00.000Z'),
    );
    await store.put('_strata/ingest/crypto_data/t/0/000000000000.json', '{}');
    expect(await observeLake(store, 'crypto_data', NOW)).toEqual({
      newestRecordTime: new Date('2026-11-25T11:30:00.000Z'),
      objectCount: 2,
      recordCount: 3,
      latestDay: '2026-11-25',
    });
  });

  it('falls back to a full listing when the latest day is older than the probe window', async () => {
    await store.put(
      objectKey('crypto_data', '2025-01-02', 't', 0, '0'),
      line('2025-01-02T05:00:00.000Z'),
    );
    await store.put(
      objectKey('crypto_data', '2024-12-31', 't', 0, '9'),
      line('2024-12-31T05:00:00.000Z'),
    );
    const seen = await observeLake(store, 'crypto_data', NOW);
    expect(seen).toMatchObject({ latestDay: '2025-01-02', objectCount: 1, recordCount: 1 });
  });

  it('sees new objects on the next observation', async () => {
    const observer = new LakeObserver(store, 'crypto_data');
    await store.put(
      objectKey('crypto_data', '2026-11-25', 't', 0, '0'),
      line('2026-11-25T09:00:00.000Z'),
    );
    expect((await observer.observe(NOW)).recordCount).toBe(1);
    await store.put(
      objectKey('crypto_data', '2026-11-25', 't', 0, '1'),
      line('2026-11-25T10:00:00.000Z'),
    );
    expect(await observer.observe(NOW)).toMatchObject({
      recordCount: 2,
      objectCount: 2,
      newestRecordTime: new Date('2026-11-25T10:00:00.000Z'),
    });
  });
});
