import { UsageError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { ServiceSettings } from '../shared/settings.ts';
import { LocalObjectStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-store.ts';

export { LocalObjectStore, type LocalStoreOptions } from './local-store.ts';
export { S3ObjectStore, S3_TIMEOUT_DEFAULTS, type S3StoreOptions } from './s3-store.ts';
export { mirrorObjects, type MirrorOptions, type MirrorResult } from './mirror.ts';
export {
  BucketMissingError,
  PreconditionFailedError,
  assertValidKey,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.ts';

/** The storage section of the compiled pipeline, as far as opening a store needs it. */
export interface StorageLocation {
  kind: 'local' | 's3';
  /** Absolute local root (kind local). */
  root: string;
  bucket?: string;
}

/** Opens the configured store; the S3 endpoint and region come from the service settings. */
export async function openObjectStore(
  storage: StorageLocation,
  settings: Pick<ServiceSettings, 'awsEndpointUrl' | 'awsRegion'>,
  logger?: Logger,
): Promise<ObjectStore> {
  if (storage.kind === 'local') return LocalObjectStore.open(storage.root);
  if (storage.bucket === undefined) throw new UsageError('storage kind s3 needs a bucket');
  return new S3ObjectStore({
    bucket: storage.bucket,
    region: settings.awsRegion,
    endpoint: settings.awsEndpointUrl,
    logger,
  });
}
