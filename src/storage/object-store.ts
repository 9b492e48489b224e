import { NonRetriableError, UsageError } from '../shared/errors.ts';

/**
 * The small object-store contract shared by ingest (writing batches and its position log) and
 * monitoring (listing what landed). Keys are `/`-separated relative paths; listing is
 * lexicographic, as on S3, so zero-padded names sort in numeric order.
 */
export interface ObjectStore {
  /** Human-readable location for logs, e.g. `file:///data/lake` or `s3://bucket`. */
  readonly location: string;
  /**
   * Stores `body` under `key`, durably: when the promise resolves the object survives a crash.
   * With `ifNoneMatch` the write only happens if the key does not exist yet, atomically, and
   * fails with PreconditionFailedError otherwise.
   */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** The object's bytes, or null when there is no such key. */
  get(key: string): Promise<Buffer | null>;
  /** Every object whose key starts with `prefix` (and sorts after `startAfter`), in key order. */
  list(prefix: string, startAfter?: string): Promise<ObjectInfo[]>;
  /** Removes the object; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}

export interface PutOptions {
  ifNoneMatch?: boolean;
  contentType?: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/** A conditional write lost: the key already exists. Retrying the same write cannot succeed. */
export class PreconditionFailedError extends NonRetriableError {
  override readonly name = 'PreconditionFailedError';
}

/**
 * The bucket does not exist. Strata never creates it in production (its name, region and
 * policies are the operator's); `strata stack up` creates the configured bucket on the local moto.
 * Not retried by the store; a long-running caller keeps backing off until someone creates it.
 */
export class BucketMissingError extends NonRetriableError {
  override readonly name = 'BucketMissingError';
  constructor(
    readonly bucket: string,
    endpoint: string | undefined,
    options?: ErrorOptions,
  ) {
    super(
      `bucket ${bucket} does not exist${endpoint ? ` at ${endpoint}` : ''}: create it ` +
        `(aws s3 mb s3://${bucket}${endpoint ? ` --endpoint-url ${endpoint}` : ''}; on the local stack \`strata stack up\` does) ` +
        `or set storage.bucket to an existing one`,
      options,
    );
  }
}

const SEGMENT = /^[A-Za-z0-9._=+-]+$/;

/**
 * Keys reach file paths and S3 URLs, so only plain segments are accepted: no `..`, no absolute
 * paths, no empty segments, no characters outside a conservative set.
 */
export function assertValidKey(key: string): void {
  const segments = key.split('/');
  const bad = segments.find((s) => !SEGMENT.test(s) || s === '.' || s === '..');
  if (key.length === 0 || key.length > 1024 || bad !== undefined) {
    throw new UsageError(`invalid object key ${JSON.stringify(key)}`);
  }
}

/** A prefix may end with `/` or part-way through a segment; it obeys the same rules otherwise. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
