import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbtMaterializer } from '../../../src/assets/materializers/dbt.ts';
import { kafkaBatchesMaterializer } from '../../../src/assets/materializers/kafka-batches.ts';
import { defaultMaterializers } from '../../../src/assets/materializers/index.ts';
import { loadPipeline, type LoadedPipeline } from '../../../src/config/index.ts';
import { PROJECT_ROOT } from '../../../src/shared/settings.ts';

const shipped = path.join(PROJECT_ROOT, 'config', 'pipeline.yaml');

/** The shipped pipeline on DuckDB, and the same pipeline said to run on Athena. */
async function onBothEngines(): Promise<LoadedPipeline[]> {
  const duckdb = await loadPipeline(shipped, {});
  const athena = { ...duckdb, engine: { ...duckdb.engine, kind: 'athena' } } as LoadedPipeline;
  return [duckdb, athena];
}

describe('the default materializers, loaded on first use', () => {
  it('answer usesWarehouse as the materializers they load do, on either engine', async () => {
    for (const pipeline of await onBothEngines()) {
      for (const asset of pipeline.assets.values()) {
        if (asset.kind === 'dbt') {
          expect(defaultMaterializers.dbt.usesWarehouse(asset, pipeline)).toBe(
            dbtMaterializer.usesWarehouse(asset, pipeline),
          );
        } else if (asset.kind === 'kafka_batches') {
          expect(defaultMaterializers.kafka_batches.usesWarehouse(asset, pipeline)).toBe(
            kafkaBatchesMaterializer.usesWarehouse(asset, pipeline),
          );
        }
      }
    }
  });

  it('keep each kind under its own name', () => {
    for (const [kind, materializer] of Object.entries(defaultMaterializers)) {
      expect(materializer.kind).toBe(kind);
    }
  });
});
