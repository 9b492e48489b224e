import { afterEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/shared/errors.ts';
import { PreconditionFailedError, S3ObjectStore } from '../../src/storage/index.ts';
import { Resources, awsEndpoint, createTestBucket } from './ingest-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

async function bucketStore(): Promise<S3ObjectStore> {
  const bucket = await createTestBucket(resources);
  const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
  resources.add(() => store.close());
  return store;
}

describe('S3ObjectStore against moto', () => {
  it('puts, gets, lists in key order after startAfter, and deletes', async () => {
    const store = await bucketStore();
    for (const key of ['d/2/b', 'd/1/a', 'd/10/c', 'e/1/z']) await store.put(key, `body of ${key}`);
    expect((await store.get('d/1/a'))?.toString()).toBe('body of d/1/a');
    expect(await store.get('d/1/missing')).toBeNull();
    expect((await store.list('d/')).map((o) => o.key)).toEqual(['d/1/a', 'd/10/c', 'd/2/b']);
    expect((await store.list('d/', 'd/1/a')).map((o) => o.key)).toEqual(['d/10/c', 'd/2/b']);
    expect((await store.list('d/1/a'))[0]?.size).toBe('body of d/1/a'.length);
    await store.delete('d/1/a');
    await store.delete('d/1/a');
    expect(await store.get('d/1/a')).toBeNull();
  });

  it('lists past the 1,000-key page size', async () => {
    const store = await bucketStore();
    const keys = Array.from({ length: 1_005 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, 'x')));
    const listed = await store.list('many/');
    expect(listed.map((o) => o.key)).toEqual(keys);
  });

  it('refuses a create-only put on an existing key (If-None-Match) and keeps the first body', async () => {
    const store = await bucketStore();
    await store.put('slot/0001.json', 'first', { ifNoneMatch: true });
    await expect(
      store.put('slot/0001.json', 'second', { ifNoneMatch: true }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.get('slot/0001.json'))?.toString()).toBe('first');
  });

  it('retries an unreachable endpoint with backoff, then reports a transient failure', async () => {
    const store = new S3ObjectStore({
      bucket: 'nowhere',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9', // discard port: nothing listens
      attempts: 3,
      backoff: { initialMs: 10, maxMs: 20, factor: 2, jitter: 0 },
    });
    resources.add(() => store.close());
    await expect(store.put('k', 'v')).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects keys that are not plain path segments before calling S3', async () => {
    const store = await bucketStore();
    await expect(store.put('../escape', 'x')).rejects.toThrow(/invalid object key/);
  });
});
