import { observeLake } from '../../ingest/observe.ts';
import { openObjectStore } from '../../storage/index.ts';
import { serviceSettings } from '../../shared/settings.ts';
import type { AssetSpec } from '../config/types.ts';
import type { MaterializeContext, MaterializeResult, Materializer } from './types.ts';

type KafkaBatchesAsset = Extract<AssetSpec, { kind: 'kafka_batches' }>;

/**
 * The source asset: `strata ingest` lands the batches; materializing observes what landed. Its
 * data time is the newest record time in storage, and its row count (for row_count checks) the
 * records of the latest day.
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
      return {
        dataTime: lake.newestRecordTime?.getTime() ?? null,
        rowCount: lake.recordCount,
        metadata: {
          location: `${store.location}/${storage.prefix}`,
          latestDay: lake.latestDay,
          objects: lake.objectCount,
          records: lake.recordCount,
          newestRecordTime: lake.newestRecordTime?.toISOString() ?? null,
        },
        checks: [],
      };
    } finally {
      await store.close();
    }
  },
};
