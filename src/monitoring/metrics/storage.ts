import { Counter, Gauge, type Registry } from 'prom-client';

/** What has landed in object storage, per day partition, and how fast new objects arrive. */
export class StorageMetrics {
  readonly objects: Gauge<'day'>;
  readonly bytes: Gauge<'day'>;
  readonly objectsLanded: Counter;
  readonly bytesLanded: Counter;

  constructor(registry: Registry) {
    this.objects = new Gauge({
      name: 'strata_storage_objects',
      help: 'Objects in a day partition of the lake (days within the lookback)',
      labelNames: ['day'],
      registers: [registry],
    });
    this.bytes = new Gauge({
      name: 'strata_storage_bytes',
      help: 'Bytes in a day partition of the lake (days within the lookback)',
      labelNames: ['day'],
      registers: [registry],
    });
    this.objectsLanded = new Counter({
      name: 'strata_storage_objects_landed_total',
      help: 'Objects seen landing in storage since the monitor started; its rate is the ingestion rate',
      registers: [registry],
    });
    this.bytesLanded = new Counter({
      name: 'strata_storage_bytes_landed_total',
      help: 'Bytes seen landing in storage since the monitor started',
      registers: [registry],
    });
  }
}
