export { loadPipeline, parsePipeline, type LoadedPipeline } from './load.ts';
export { pipelineSchema, ASSET_KEY } from './schema.ts';
export type * from './types.ts';
