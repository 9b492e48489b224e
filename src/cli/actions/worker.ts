import { loadPipeline } from '../../config/index.ts';
import { AssetWorker, type WorkerObserver } from '../../jobs/index.ts';
import type { OrchestratorMetrics } from '../../monitoring/metrics/orchestrator.ts';
import { publishProcessMetrics } from '../../monitoring/metrics/publish.ts';
import { createLogger } from '../../shared/logger.ts';

export async function worker(file: string, options: { concurrency: number }): Promise<void> {
  const pipeline = await loadPipeline(file);
  const logger = createLogger('worker');
  const published = await publishProcessMetrics('worker', { logger });
  const assetWorker = new AssetWorker({
    pipeline,
    concurrency: options.concurrency,
    logger,
    observer: metricsObserver(published.metrics.orchestrator()),
  });
  try {
    await assetWorker.start();
    await untilSignalled(assetWorker);
  } finally {
    await assetWorker.close();
    await published.close();
  }
}

/** Run, materialization and check counters for /metrics, recorded as the worker finishes them. */
function metricsObserver(metrics: OrchestratorMetrics): WorkerObserver {
  return {
    assetFinished(record) {
      metrics.recordAsset(record.asset, record.status, record.endedAt - record.startedAt);
      for (const check of record.checks)
        metrics.recordCheck(record.asset, check.name, check.severity, check.status);
    },
    runFinished(run) {
      metrics.recordRun(run.trigger, run.status);
    },
  };
}

/**
 * First SIGTERM/SIGINT: stop taking jobs and let running ones finish within the grace time
 * (STRATA_SHUTDOWN_GRACE_MS), then hand the rest back. A second signal hands back at once.
 */
function untilSignalled(worker: AssetWorker): Promise<void> {
  return new Promise((resolve, reject) => {
    let signals = 0;
    const onSignal = (): void => {
      signals += 1;
      if (signals > 1) {
        worker.handBackNow();
        return;
      }
      worker.close().then(resolve, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
