import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Run and asset metrics. Workers count runs, durations and check results as they finish; the
 * monitor sets freshness lag from the event log's data times.
 */
export class OrchestratorMetrics {
  readonly runs: Counter<'trigger' | 'status'>;
  readonly assetDuration: Histogram<'asset' | 'status'>;
  readonly checkResults: Counter<'asset' | 'check' | 'severity' | 'status'>;
  readonly freshnessLag: Gauge<'asset'>;

  constructor(registry: Registry) {
    this.runs = new Counter({
      name: 'strata_runs_total',
      help: 'Runs finished, by trigger and final status',
      labelNames: ['trigger', 'status'],
      registers: [registry],
    });
    this.assetDuration = new Histogram({
      name: 'strata_asset_materialization_duration_seconds',
      help: 'Time to materialize one asset, by asset and outcome',
      labelNames: ['asset', 'status'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    });
    this.checkResults = new Counter({
      name: 'strata_check_results_total',
      help: 'Data-quality check results, by asset, check, severity and status',
      labelNames: ['asset', 'check', 'severity', 'status'],
      registers: [registry],
    });
    this.freshnessLag = new Gauge({
      name: 'strata_asset_freshness_lag_seconds',
      help: 'Now minus the data time of the latest successful materialization, per asset',
      labelNames: ['asset'],
      registers: [registry],
    });
  }

  recordRun(trigger: string, status: string): void {
    this.runs.inc({ trigger, status });
  }

  recordAsset(asset: string, status: string, durationMs: number): void {
    this.assetDuration.observe({ asset, status }, durationMs / 1000);
  }

  recordCheck(asset: string, check: string, severity: string, status: string): void {
    this.checkResults.inc({ asset, check, severity, status });
  }
}
