import type { AssetKind, AssetSpec } from '../../config/types.ts';
import type { LoadedPipeline } from '../../config/load.ts';
import { dbtMaterializer } from './dbt.ts';
import { kafkaBatchesMaterializer } from './kafka-batches.ts';
import { noopMaterializer } from './noop.ts';
import type { MaterializeContext, MaterializeResult, Materializer } from './types.ts';

/** One materializer per asset kind; the compiler checks that every kind has one. */
export type MaterializerRegistry = {
  [K in AssetKind]: Materializer<Extract<AssetSpec, { kind: K }>>;
};

export const defaultMaterializers: MaterializerRegistry = {
  dbt: dbtMaterializer,
  kafka_batches: kafkaBatchesMaterializer,
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
