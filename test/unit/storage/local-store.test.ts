import { mkdtemp, readdir, rm, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore, PreconditionFailedError } from '../../../src/storage/index.ts';

describe('LocalObjectStore', () => {
  let root: string;
  let store: LocalObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'strata-local-store-'));
    store = await LocalObjectStore.open(path.join(root, 'lake'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads back what it wrote, and null for a missing key', async () => {
    await store.put('a/b/c.jsonl', 'line\n');
    expect((await store.get('a/b/c.jsonl'))?.toString()).toBe('line\n');
    expect(await store.get('a/b/missing.jsonl')).toBeNull();
  });

  it('overwrites a plain put and leaves no temporary files behind', async () => {
    await store.put('x/one.json', 'first');
    await store.put('x/one.json', 'second');
    expect((await store.get('x/one.json'))?.toString()).toBe('second');
    expect(await readdir(path.join(root, 'lake', 'x'))).toEqual(['one.json']);
  });

  it('refuses a create-only put on an existing key and keeps the first body', async () => {
    await store.put('p/0001.json', 'winner', { ifNoneMatch: true });
    await expect(store.put('p/0001.json', 'loser', { ifNoneMatch: true })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect((await store.get('p/0001.json'))?.toString()).toBe('winner');
    expect(await readdir(path.join(root, 'lake', 'p'))).toEqual(['0001.json']);
  });

  it('lets exactly one of many concurrent create-only puts win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.put('race/slot.json', `writer-${i}`, { ifNoneMatch: true }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('lists by prefix in key order, after startAfter, across directories', async () => {
    for (const key of ['d/2/b', 'd/1/a', 'd/10/c', 'e/1/z', 'd/1/b']) await store.put(key, key);
    expect((await store.list('d/')).map((o) => o.key)).toEqual([
      'd/1/a',
      'd/1/b',
      'd/10/c',
      'd/2/b',
    ]);
    expect((await store.list('d/1')).map((o) => o.key)).toEqual(['d/1/a', 'd/1/b', 'd/10/c']);
    expect((await store.list('d/', 'd/1/b')).map((o) => o.key)).toEqual(['d/10/c', 'd/2/b']);
    expect((await store.list('')).map((o) => o.key)).toHaveLength(5);
    expect(await store.list('nothing/')).toEqual([]);
    const [first] = await store.list('d/1/a');
    expect(first?.size).toBe(5);
  });

  it('deletes, and treats deleting a missing key as done', async () => {
    await store.put('k/v', 'x');
    await store.delete('k/v');
    await store.delete('k/v');
    expect(await store.get('k/v')).toBeNull();
  });

  it('rejects keys that could escape the root', async () => {
    for (const key of ['../etc/passwd', 'a/../../b', '/abs', 'a//b', 'a/b/', 'sp ace', '']) {
      await expect(store.put(key, 'x')).rejects.toThrow(/invalid object key/);
    }
  });

  it('reports a root that vanished as a failure, never as an empty store', async () => {
    await store.put('k/v', 'x');
    await rename(path.join(root, 'lake'), path.join(root, 'lake-away'));
    await writeFile(path.join(root, 'lake'), 'not a directory');
    await expect(store.get('k/v')).rejects.toThrow();
    await expect(store.list('k/')).rejects.toThrow();
    await expect(store.put('k/w', 'y')).rejects.toThrow();
    await rm(path.join(root, 'lake'));
    await expect(store.get('k/v')).rejects.toThrow();
    await expect(store.put('k/w', 'y')).rejects.toThrow();
    await rename(path.join(root, 'lake-away'), path.join(root, 'lake'));
    expect((await store.get('k/v'))?.toString()).toBe('x');
  });
});
