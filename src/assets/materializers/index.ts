export {
  defaultMaterializers,
  materialize,
  usesWarehouse,
  type MaterializerRegistry,
} from './registry.ts';
export {
  derivedDataTime,
  type MaterializeContext,
  type MaterializeResult,
  type Materializer,
} from './types.ts';
