import { observeLake } from '../../ingest/observe.ts';
import { parseObjectKey } from '../../ingest/layout.ts';
import {
  LocalObjectStore,
  mirrorObjects,
  openObjectStore,
  type MirrorResult,
  type ObjectStore,
} from '../../storage/index.ts';
import { serviceSettings } from '../../shared/settings.ts';
import type { AssetSpec } from '../../config/types.ts';
import type { LoadedPipeline } from '../../config/load.ts';
import type { MaterializeContext, MaterializeResult, Materializer } from './types.ts';

type KafkaBatchesAsset = Extract<AssetSpec, { kind: 'kafka_batches' }>;

/**
 * The source asset: `strata ingest` lands the batches; materializing observes what landed. Its
 * data time is the newest record time in storage, and its row count (for row_count checks) the
 * records of the latest day. With the lake in S3 and the DuckDB engine, it also brings the
 * local mirror up to date (new objects only), since DuckDB reads the lake from local files.
 */
export const kafkaBatchesMaterializer: Materializer<KafkaBatchesAsset> = {
  kind: 'kafka_batches',
  usesWarehouse: () => false,
  async materialize(context: MaterializeContext<KafkaBatchesAsset>): Promise<MaterializeResult> {
    const { storage } = context.pipeline;
    const store = await openObjectStore(storage, serviceSettings());
    try {
      const lake = await observeLake(store, storage.prefix);
      const newest = lake.newestRecordTime?.toISOString() ?? 'none';
      context.log(
        `lake ${store.location}/${storage.prefix}: latest day ${lake.latestDay ?? 'none'}, ${lake.objectCount} objects, ${lake.recordCount} records, newest record ${newest}`,
      );
      const mirror = needsLocalMirror(context.pipeline)
        ? await mirrorLake(store, context)
        : undefined;
      return {
        dataTime: lake.newestRecordTime?.getTime() ?? null,
        rowCount: lake.recordCount,
        metadata: {
          location: `${store.location}/${storage.prefix}`,
          latestDay: lake.latestDay,
          objects: lake.objectCount,
          records: lake.recordCount,
          newestRecordTime: lake.newestRecordTime?.toISOString() ?? null,
          ...(mirror ? { mirror } : {}),
        },
        checks: [],
      };
    } finally {
      await store.close();
    }
  },
};

/** DuckDB cannot load its S3 extension offline, so it reads an S3 lake through a local copy. */
function needsLocalMirror(pipeline: LoadedPipeline): boolean {
  return pipeline.storage.kind === 's3' && pipeline.engine.kind === 'duckdb';
}

async function mirrorLake(
  bucket: ObjectStore,
  context: MaterializeContext<KafkaBatchesAsset>,
): Promise<MirrorResult & { root: string }> {
  const { storage } = context.pipeline;
  const local = await LocalObjectStore.open(storage.root);
  try {
    const result = await mirrorObjects(bucket, local, {
      prefix: `${storage.prefix}/`,
      include: (key) => parseObjectKey(key)?.prefix === storage.prefix,
      signal: context.signal,
    });
    context.log(
      `mirrored ${result.copied} new objects (${result.copiedBytes} bytes) to ${local.location}; ${result.unchanged} already there`,
    );
    return { root: storage.root, ...result };
  } finally {
    await local.close();
  }
}
