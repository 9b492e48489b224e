import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The sink's Prometheus metrics. Labels stay low-cardinality: topic, and the reason of a rejection. */
export interface IngestMetrics {
  recordsConsumed: Counter<'topic'>;
  recordsRedelivered: Counter<'topic'>;
  recordsValid: Counter<'topic'>;
  recordsInvalid: Counter<'topic' | 'reason'>;
  objectsWritten: Counter<'topic'>;
  bytesWritten: Counter<'topic'>;
  uploadDuration: Histogram<'topic'>;
  uploadErrors: Counter<'topic'>;
  throughput: Gauge<'topic'>;
  bufferedBytes: Gauge<'topic'>;
  pausedPartitions: Gauge<'topic'>;
}

/** Creates the ingest metrics on `registry`; call once per registry. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    recordsConsumed: new Counter({
      name: 'strata_ingest_records_consumed_total',
      help: 'Kafka messages taken by the sink for the first time (redeliveries are counted apart)',
      labelNames: ['topic'],
      registers,
    }),
    recordsRedelivered: new Counter({
      name: 'strata_ingest_records_redelivered_total',
      help: 'Kafka messages delivered again: after a rejoin or seek back, or already landed by an earlier owner',
      labelNames: ['topic'],
      registers,
    }),
    recordsValid: new Counter({
      name: 'strata_ingest_records_valid_total',
      help: 'Valid records landed in storage, each counted once',
      labelNames: ['topic'],
      registers,
    }),
    recordsInvalid: new Counter({
      name: 'strata_ingest_records_invalid_total',
      help: 'Invalid records published to the dead-letter topic',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    objectsWritten: new Counter({
      name: 'strata_ingest_objects_written_total',
      help: 'Objects written to storage',
      labelNames: ['topic'],
      registers,
    }),
    bytesWritten: new Counter({
      name: 'strata_ingest_bytes_written_total',
      help: 'Bytes of objects written to storage',
      labelNames: ['topic'],
      registers,
    }),
    uploadDuration: new Histogram({
      name: 'strata_ingest_upload_duration_seconds',
      help: 'Time to write one object durably; a write that timed out is observed at its timeout',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    uploadErrors: new Counter({
      name: 'strata_ingest_upload_errors_total',
      help: 'Failed storage or dead-letter writes, timeouts included (each is retried)',
      labelNames: ['topic'],
      registers,
    }),
    throughput: new Gauge({
      name: 'strata_ingest_throughput_records_per_second',
      help: 'Records consumed per second over the last progress interval',
      labelNames: ['topic'],
      registers,
    }),
    bufferedBytes: new Gauge({
      name: 'strata_ingest_buffered_bytes',
      help: 'Bytes held in batches not yet landed',
      labelNames: ['topic'],
      registers,
    }),
    pausedPartitions: new Gauge({
      name: 'strata_ingest_paused_partitions',
      help: 'Partitions paused because storage is failing',
      labelNames: ['topic'],
      registers,
    }),
  };
}
