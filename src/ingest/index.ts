export {
  IngestService,
  type IngestDependencies,
  type IngestOptions,
  type IngestState,
  type IngestStats,
} from './ingest-service.ts';
export { createIngestMetrics, type IngestMetrics } from './metrics.ts';
export { createKafka, ensureTopics, type TopicSpec } from './kafka.ts';
export { producePrices, type ProducePricesOptions, type ProduceResult } from './producer.ts';
export {
  produceFromConfig,
  type PipelineProduceSections,
  type ProduceRequest,
} from './produce-from-config.ts';
export { LakeObserver, observeLake, type LakeObservation } from './observe.ts';
export { DLQ_HEADERS } from './dead-letters.ts';
export { validateRecord, type InvalidReason, type PriceRecord } from './record.ts';
export { objectKey, parseObjectKey, dayPrefix, utcDay } from './layout.ts';
export {
  createPriceSource,
  tickClock,
  type PriceSource,
  type SourceSettings,
} from './sources/index.ts';
export { ingestOptionsFrom, type PipelineIngestSections } from './options.ts';
