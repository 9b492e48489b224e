import type { AssetKind, AssetSpec } from '../../config/types.ts';
import type { LoadedPipeline } from '../../config/load.ts';
import { noopMaterializer } from './noop.ts';
import type { MaterializeContext, MaterializeResult, Materializer } from './types.ts';

/** One materializer per asset kind; the compiler checks that every kind has one. */
export type MaterializerRegistry = {
  [K in AssetKind]: Materializer<Extract<AssetSpec, { kind: K }>>;
};

type AssetOf<K extends AssetKind> = Extract<AssetSpec, { kind: K }>;

/**
 * A materializer whose module is imported on its kind's first materialization, so a worker holds
 * only what the kinds it runs need: an idle worker, or one that runs no dbt asset, never loads
 * DuckDB, and one whose lake is local never loads the AWS SDK. `usesWarehouse` is asked before a
 * job runs, so it is given here; a unit test holds it equal to the loaded materializer's.
 */
function loadedOnFirstUse<K extends AssetKind>(
  kind: K,
  usesWarehouse: Materializer<AssetOf<K>>['usesWarehouse'],
  load: () => Promise<Materializer<AssetOf<K>>>,
): Materializer<AssetOf<K>> {
  let loading: Promise<Materializer<AssetOf<K>>> | undefined;
  return {
    kind,
    usesWarehouse,
    async materialize(context) {
      loading ??= load();
      return (await loading).materialize(context);
    },
  };
}

export const defaultMaterializers: MaterializerRegistry = {
  dbt: loadedOnFirstUse(
    'dbt',
    (_asset, pipeline) => pipeline.engine.kind === 'duckdb',
    async () => (await import('./dbt.ts')).dbtMaterializer,
  ),
  kafka_batches: loadedOnFirstUse(
    'kafka_batches',
    () => false,
    async () => (await import('./kafka-batches.ts')).kafkaBatchesMaterializer,
  ),
  noop: noopMaterializer,
};

function materializerOf(registry: MaterializerRegistry, asset: AssetSpec): Materializer {
  return registry[asset.kind];
}

export function materialize(
  registry: MaterializerRegistry,
  context: MaterializeContext,
): Promise<MaterializeResult> {
  return materializerOf(registry, context.asset).materialize(context);
}

export function usesWarehouse(
  registry: MaterializerRegistry,
  asset: AssetSpec,
  pipeline: LoadedPipeline,
): boolean {
  return materializerOf(registry, asset).usesWarehouse(asset, pipeline);
}
