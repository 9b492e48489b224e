import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalObjectStore, mirrorObjects } from '../../../src/storage/index.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function store(): Promise<LocalObjectStore> {
  const dir = await mkdtemp(path.join(tmpdir(), 'strata-mirror-'));
  dirs.push(dir);
  return LocalObjectStore.open(dir);
}

describe('mirrorObjects', () => {
  it('copies new objects under the prefix, keeps what is there, and skips excluded keys', async () => {
    const [source, target] = [await store(), await store()];
    await source.put('lake/a.jsonl', 'a\n');
    await source.put('lake/b.jsonl', 'bb\n');
    await source.put('lake/_positions/p0', 'position');
    await source.put('other/c.jsonl', 'c\n');
    await target.put('lake/a.jsonl', 'a\n');
    const include = (key: string) => key.endsWith('.jsonl');

    const first = await mirrorObjects(source, target, { prefix: 'lake/', include });
    expect(first).toEqual({ copied: 1, copiedBytes: 3, unchanged: 1 });
    expect((await target.list('')).map((o) => o.key)).toEqual(['lake/a.jsonl', 'lake/b.jsonl']);
    expect((await target.get('lake/b.jsonl'))?.toString()).toBe('bb\n');

    await source.put('lake/d.jsonl', 'ddd\n');
    const second = await mirrorObjects(source, target, { prefix: 'lake/', include });
    expect(second).toEqual({ copied: 1, copiedBytes: 4, unchanged: 2 });
  });

  it('replaces a mirrored object whose size differs (a torn copy made by hand)', async () => {
    const [source, target] = [await store(), await store()];
    await source.put('lake/a.jsonl', 'complete line\n');
    await target.put('lake/a.jsonl', 'comp');
    expect(await mirrorObjects(source, target, { prefix: 'lake/' })).toMatchObject({ copied: 1 });
    expect((await target.get('lake/a.jsonl'))?.toString()).toBe('complete line\n');
  });

  it('stops between objects when aborted', async () => {
    const [source, target] = [await store(), await store()];
    await source.put('lake/a.jsonl', 'a\n');
    const controller = new AbortController();
    controller.abort(new Error('worker shutting down'));
    await expect(
      mirrorObjects(source, target, { prefix: 'lake/', signal: controller.signal }),
    ).rejects.toThrow('worker shutting down');
    expect(await target.list('lake/')).toEqual([]);
  });
});
