import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectKey } from '../../../src/ingest/layout.ts';
import { StorageMetrics } from '../../../src/monitoring/metrics/storage.ts';
import { StorageStats } from '../../../src/monitoring/storage/storage-stats.ts';
import { LocalObjectStore, type ObjectStore } from '../../../src/storage/index.ts';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('incremental storage stats', () => {
  let dir: string;
  let store: ObjectStore;
  let calls: Array<{ prefix: string; startAfter?: string; returned: number }>;
  let listing: Pick<ObjectStore, 'list'>;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'strata-storage-stats-'));
    store = await LocalObjectStore.open(dir);
    calls = [];
    // Records every LIST the stats make, to prove they only ask for what is new.
    listing = {
      list: async (prefix, startAfter) => {
        const objects = await store.list(prefix, startAfter);
        calls.push({ prefix, startAfter, returned: objects.length });
        return objects;
      },
    };
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const key = (day: string, partition: number, offset: number) =>
    objectKey('crypto_data', day, 'prices', partition, String(offset));
  const put = (day: string, partition: number, offset: number, body = 'x\n') =>
    store.put(key(day, partition, offset), body);

  it('counts objects and bytes per day, then lists only what landed since the last pass', async () => {
    const metrics = new StorageMetrics(new Registry());
    const stats = new StorageStats(listing, {
      prefix: 'crypto_data',
      lookbackDays: 2,
      metrics,
      now: () => NOW,
    });
    await put('2026-11-24', 0, 10, 'aaaa\n');
    await put('2026-11-25', 0, 20, 'bb\n');
    await put('2026-11-25', 1, 30, 'cc\n');
    await store.put(
      'crypto_data/year=2026/month=11/day=20/prices+0+1.jsonl',
      'old, outside the lookback\n',
    );

    const first = await stats.refresh();
    expect(first.days).toEqual([
      { day: '2026-11-24', objects: 1, bytes: 5 },
      { day: '2026-11-25', objects: 2, bytes: 6 },
    ]);
    expect(first.newObjects).toBe(0); // the first pass is the baseline, not an ingestion burst
    expect(calls.map((c) => c.prefix)).toEqual([
      'crypto_data/year=2026/month=11/day=24/',
      'crypto_data/year=2026/month=11/day=25/',
    ]);

    calls = [];
    // Partition 0's new object sorts before partition 1's last key: a day-wide startAfter would miss it.
    await put('2026-11-25', 0, 40, 'dddd\n');
    const second = await stats.refresh();
    expect(second.days.find((d) => d.day === '2026-11-25')).toEqual({
      day: '2026-11-25',
      objects: 3,
      bytes: 11,
    });
    expect(second).toMatchObject({ newObjects: 1, newBytes: 5 });
    const day24 = 'crypto_data/year=2026/month=11/day=24/';
    const day25 = 'crypto_data/year=2026/month=11/day=25/';
    expect(calls).toEqual([
      { prefix: `${day24}prices+0+`, startAfter: key('2026-11-24', 0, 10), returned: 0 },
      { prefix: day24, startAfter: key('2026-11-24', 0, 10), returned: 0 },
      { prefix: `${day25}prices+0+`, startAfter: key('2026-11-25', 0, 20), returned: 1 },
      { prefix: `${day25}prices+1+`, startAfter: key('2026-11-25', 1, 30), returned: 0 },
      { prefix: day25, startAfter: key('2026-11-25', 1, 30), returned: 0 },
    ]);
    expect(
      (await metrics.objects.get()).values.find((v) => v.labels.day === '2026-11-25')?.value,
    ).toBe(3);
    expect((await metrics.objectsLanded.get()).values[0]?.value).toBe(1);
  });

  it('moves its lookback with the clock and forgets days that leave it', async () => {
    let now = NOW;
    const metrics = new StorageMetrics(new Registry());
    const stats = new StorageStats(listing, {
      prefix: 'crypto_data',
      lookbackDays: 1,
      metrics,
      now: () => now,
    });
    await put('2026-11-25', 0, 1);
    await stats.refresh();
    now += 86_400_000;
    await put('2026-11-26', 0, 2);
    const pass = await stats.refresh();
    expect(pass.days).toEqual([{ day: '2026-11-26', objects: 1, bytes: 2 }]);
    expect((await metrics.objects.get()).values.map((v) => v.labels.day)).toEqual(['2026-11-26']);
  });

  it('finds partitions that appear later: announced ones by their prefix, others after the greatest key', async () => {
    const stats = new StorageStats(listing, {
      prefix: 'crypto_data',
      lookbackDays: 1,
      partitions: [{ topic: 'prices', partition: 0 }],
      now: () => NOW,
    });
    await put('2026-11-25', 5, 1);
    await stats.refresh();
    await put('2026-11-25', 0, 7); // announced: sorts before +5+, found through its own prefix
    await put('2026-11-25', 9, 3); // unannounced: sorts after everything seen, found by discovery
    const pass = await stats.refresh();
    expect(pass).toMatchObject({ newObjects: 2, days: [{ day: '2026-11-25', objects: 3 }] });
    expect((await stats.refresh()).newObjects).toBe(0);
  });

  it('counts an object whose start offset gains a digit, since padded keys list in offset order', async () => {
    const stats = new StorageStats(listing, {
      prefix: 'crypto_data',
      lookbackDays: 1,
      now: () => NOW,
    });
    await put('2026-11-25', 0, 99);
    await stats.refresh();
    await put('2026-11-25', 0, 100);
    expect(await stats.refresh()).toMatchObject({
      newObjects: 1,
      days: [{ day: '2026-11-25', objects: 2 }],
    });
  });

  it('ignores objects that are not data batches', async () => {
    const stats = new StorageStats(listing, {
      prefix: 'crypto_data',
      lookbackDays: 1,
      now: () => NOW,
    });
    await store.put('crypto_data/year=2026/month=11/day=25/notes.txt', 'hello');
    await put('2026-11-25', 0, 5);
    expect((await stats.refresh()).days).toEqual([{ day: '2026-11-25', objects: 1, bytes: 2 }]);
  });
});
