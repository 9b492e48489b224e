import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadlineExceededError } from '../../src/shared/deadline.ts';
import { TransientError } from '../../src/shared/errors.ts';
import {
  BucketMissingError,
  PreconditionFailedError,
  S3ObjectStore,
  type S3StoreOptions,
} from '../../src/storage/index.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
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

  it('names a missing bucket, with what to do, instead of retrying it', async () => {
    const bucket = `missing-${randomUUID().slice(0, 12)}`;
    const store = new S3ObjectStore({ bucket, region: 'us-east-1', endpoint: awsEndpoint });
    resources.add(() => store.close());
    const error = await store.put('k', 'v').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BucketMissingError);
    expect((error as Error).message).toBe(
      `bucket ${bucket} does not exist at ${awsEndpoint}: create it (aws s3 mb s3://${bucket} --endpoint-url ${awsEndpoint}; ` +
        'on the local stack `strata stack up` does) or set storage.bucket to an existing one',
    );
  });

  it('rejects keys that are not plain path segments before calling S3', async () => {
    const store = await bucketStore();
    await expect(store.put('../escape', 'x')).rejects.toThrow(/invalid object key/);
  });
});

describe('S3ObjectStore when the endpoint hangs', () => {
  async function throughProxy(
    options: Partial<S3StoreOptions>,
  ): Promise<{ store: S3ObjectStore; proxy: TcpProxy }> {
    const bucket = await createTestBucket(resources);
    const proxy = await TcpProxy.start(awsEndpoint);
    resources.add(() => proxy.close());
    const store = new S3ObjectStore({
      bucket,
      region: 'us-east-1',
      endpoint: proxy.url,
      backoff: { initialMs: 20, maxMs: 50 },
      ...options,
    });
    resources.add(() => store.close());
    return { store, proxy };
  }

  it('times out every call against an endpoint that accepts but never answers, then works again', async () => {
    const { store, proxy } = await throughProxy({
      requestTimeoutMs: 300,
      operationTimeoutMs: 1_500,
    });
    await store.put('before/a.json', 'a');
    proxy.freeze();
    for (const call of [
      () => store.put('during/b.json', 'b'),
      () => store.get('before/a.json'),
      () => store.list('before/'),
      () => store.delete('before/a.json'),
    ]) {
      const error = await call().catch((e: unknown) => e);
      // Either the SDK's request timeout (each attempt) or the operation's deadline fired.
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(
        /timed? ?out|did not finish within 1500 ms|exceeded/i,
      );
    }
    expect(proxy.held).toBeGreaterThan(0); // requests reached the proxy and were held, not refused
    proxy.thaw();
    expect((await store.get('before/a.json'))?.toString()).toBe('a');
  });

  it('cuts a response body that stalls after its headers with the operation deadline', async () => {
    // The SDK's request timeout is far away: only the operation's abort signal can end this call.
    const { store, proxy } = await throughProxy({
      requestTimeoutMs: 120_000,
      operationTimeoutMs: 1_000,
      attempts: 3, // a kept-alive socket the service closes meanwhile fails fast; the next try stalls
    });
    await store.put('big/object.bin', Buffer.alloc(4 * 1024 * 1024, 7));
    proxy.stallResponses(16 * 1024);
    const error = await store.get('big/object.bin').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toBe(
      `s3 get ${store.location}/big/object.bin did not finish within 1000 ms`,
    );
    expect(proxy.held).toBeGreaterThan(0);
    proxy.thaw();
    expect((await store.get('big/object.bin'))?.length).toBe(4 * 1024 * 1024);
  });
});
