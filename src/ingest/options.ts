import type { Pipeline } from '../config/index.ts';
import type { IngestOptions } from './ingest-service.ts';

export type PipelineIngestSections = Pick<Pipeline, 'kafka' | 'ingest' | 'storage'>;

/** Maps the compiled pipeline onto the sink's options; `overrides` wins (CLI flags, tests). */
export function ingestOptionsFrom(
  pipeline: PipelineIngestSections,
  overrides: Partial<IngestOptions> = {},
): IngestOptions {
  return {
    topic: pipeline.kafka.topic,
    dlqTopic: pipeline.kafka.dlqTopic,
    partitions: pipeline.kafka.partitions,
    replicationFactor: pipeline.kafka.replicationFactor,
    groupId: pipeline.ingest.groupId,
    prefix: pipeline.storage.prefix,
    batch: { ...pipeline.ingest.batch },
    maxRecordBytes: pipeline.ingest.maxRecordBytes,
    maxBufferedBytes: pipeline.ingest.maxBufferedBytes,
    sessionTimeoutMs: pipeline.ingest.sessionTimeoutMs,
    ...overrides,
  };
}
