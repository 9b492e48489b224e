import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { BackoffOptions } from '../shared/backoff.ts';
import { withDeadline } from '../shared/deadline.ts';
import { TransientError, isTransient } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { withRetry } from '../shared/retry.ts';
import {
  BucketMissingError,
  PreconditionFailedError,
  assertValidKey,
  assertValidPrefix,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** AWS_ENDPOINT_URL (moto, MinIO); undefined means AWS itself. */
  endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which moto and MinIO need. Defaults to true with an endpoint. */
  forcePathStyle?: boolean;
  /** Attempts per call, each after an exponential, jittered backoff. */
  attempts?: number;
  backoff?: BackoffOptions;
  /** Time to open a connection. */
  connectTimeoutMs?: number;
  /** One attempt, from sending the request to the response headers; the SDK throws past it. */
  requestTimeoutMs?: number;
  /**
   * One whole call, every attempt and the response body included. Past it the call is aborted
   * (its socket destroyed) and fails as DeadlineExceededError, a transient error. Keep it well
   * under the Kafka session timeout: ingest waits for storage inside a consumer callback.
   */
  operationTimeoutMs?: number;
  logger?: Logger;
}

export const S3_TIMEOUT_DEFAULTS = {
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  operationTimeoutMs: 20_000,
} as const;

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 1 };

/**
 * Objects in one S3 bucket. Retries are Strata's own (backoffDelay through withRetry), not the
 * SDK's, so every backend and every caller backs off the same way and logs the same way.
 * Create-only writes use `If-None-Match: *`, which S3 applies atomically.
 *
 * Every call has two deadlines that fire: the SDK's request timeout per attempt (with
 * `throwOnRequestTimeout`, without which the SDK only prints a warning and waits on), and an
 * abort signal for the whole operation, which also cuts a response body that stalls after its
 * headers arrived.
 */
export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  private readonly client: S3Client;
  private closed = false;

  constructor(private readonly options: S3StoreOptions) {
    this.location = `s3://${options.bucket}`;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? S3_TIMEOUT_DEFAULTS.connectTimeoutMs,
        requestTimeout: options.requestTimeoutMs ?? S3_TIMEOUT_DEFAULTS.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
    });
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions = {}): Promise<void> {
    assertValidKey(key);
    await this.call('put', key, (abortSignal) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType,
          IfNoneMatch: options.ifNoneMatch ? '*' : undefined,
        }),
        { abortSignal },
      ),
    );
  }

  async get(key: string): Promise<Buffer | null> {
    assertValidKey(key);
    return this.call('get', key, async (abortSignal) => {
      try {
        const out = await this.client.send(
          new GetObjectCommand({ Bucket: this.options.bucket, Key: key }),
          { abortSignal },
        );
        if (!out.Body) return Buffer.alloc(0);
        // Once headers are in, the SDK no longer watches the signal: a stalled body is cut here.
        const body = out.Body as typeof out.Body & Partial<Pick<Readable, 'destroy'>>;
        const cut = (): void => void body.destroy?.(abortSignal.reason as Error);
        abortSignal.addEventListener('abort', cut, { once: true });
        try {
          return Buffer.from(await body.transformToByteArray());
        } finally {
          abortSignal.removeEventListener('abort', cut);
        }
      } catch (error) {
        if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return null;
        throw error;
      }
    });
  }

  async list(prefix: string, startAfter?: string): Promise<ObjectInfo[]> {
    assertValidPrefix(prefix);
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', prefix, (abortSignal) =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            StartAfter: token === undefined ? startAfter : undefined,
            ContinuationToken: token,
          }),
          { abortSignal },
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        found.push({
          key: item.Key,
          size: item.Size ?? 0,
          lastModified: item.LastModified ?? new Date(0),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found;
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.call('delete', key, (abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }), {
        abortSignal,
      }),
    );
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.client.destroy();
    }
    return Promise.resolve();
  }

  /** One operation: attempts with backoff, all within the operation's deadline. */
  private call<T>(
    operation: string,
    key: string,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const where = `${this.location}/${key}`;
    const timeoutMs = this.options.operationTimeoutMs ?? S3_TIMEOUT_DEFAULTS.operationTimeoutMs;
    return withDeadline(`s3 ${operation} ${where}`, timeoutMs, (signal) =>
      withRetry(
        async () => {
          try {
            return await fn(signal);
          } catch (error) {
            // The deadline's own error says what happened; the SDK's abort error does not.
            if (signal.aborted) throw signal.reason;
            throw classify(error, operation, where, this.options);
          }
        },
        {
          attempts: this.options.attempts ?? 4,
          backoff: this.options.backoff ?? DEFAULT_BACKOFF,
          signal,
          onRetry: (error, attempt, delayMs) =>
            this.options.logger?.warn(
              { operation, key, attempt, delayMs, err: error },
              's3 call failed, retrying',
            ),
        },
      ),
    );
  }
}

/** Maps S3 and network failures onto Strata's vocabulary in one place. */
function classify(
  error: unknown,
  operation: string,
  where: string,
  options: Pick<S3StoreOptions, 'bucket' | 'endpoint'>,
): unknown {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (error.name === 'NoSuchBucket') {
      return new BucketMissingError(options.bucket, options.endpoint, { cause: error });
    }
    if (status === 412 || error.name === 'PreconditionFailed') {
      return new PreconditionFailedError(`${where} already exists`, { cause: error });
    }
    // 409 ConditionalRequestConflict: a concurrent conditional write; S3 asks callers to retry.
    if (status === 409 || (status !== undefined && (status >= 500 || status === 429))) {
      return new TransientError(`s3 ${operation} ${where}: ${error.name} (${status})`, {
        cause: error,
      });
    }
    return error;
  }
  if (isTransient(error) || isNetworkError(error)) {
    return new TransientError(`s3 ${operation} ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

function isNetworkError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'RequestTimeout' || name === 'AbortError';
}
