import { Registry, collectDefaultMetrics } from 'prom-client';
import { createIngestMetrics, type IngestMetrics } from '../../ingest/metrics.ts';
import { LagMetrics } from './lag.ts';
import { MonitorMetrics } from './monitor-self.ts';
import { OrchestratorMetrics } from './orchestrator.ts';
import { StorageMetrics } from './storage.ts';

/**
 * One prom-client Registry per process, with the Node.js default metrics and the metrics of
 * each role the process plays. A role's metrics are created on first use, so `strata dev`
 * (every role in one process) and a lone `strata worker` share this one module.
 */
export class ProcessMetrics {
  readonly registry = new Registry();
  private ingestMetrics?: IngestMetrics;
  private orchestratorMetrics?: OrchestratorMetrics;
  private storageMetrics?: StorageMetrics;
  private lagMetrics?: LagMetrics;
  private monitorMetrics?: MonitorMetrics;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  ingest(): IngestMetrics {
    return (this.ingestMetrics ??= createIngestMetrics(this.registry));
  }

  orchestrator(): OrchestratorMetrics {
    return (this.orchestratorMetrics ??= new OrchestratorMetrics(this.registry));
  }

  storage(): StorageMetrics {
    return (this.storageMetrics ??= new StorageMetrics(this.registry));
  }

  lag(): LagMetrics {
    return (this.lagMetrics ??= new LagMetrics(this.registry));
  }

  monitor(): MonitorMetrics {
    return (this.monitorMetrics ??= new MonitorMetrics(this.registry));
  }
}

let current: ProcessMetrics | undefined;

/** The process-wide instance; tests build their own ProcessMetrics instead. */
export function processMetrics(): ProcessMetrics {
  return (current ??= new ProcessMetrics());
}
