import { loadPipeline, type LoadedPipeline } from '../../config/index.ts';
import { ConfigWatcher } from '../../config/watch.ts';
import { AssetWorker, type WorkerObserver } from '../../jobs/index.ts';
import type { OrchestratorMetrics } from '../../monitoring/metrics/orchestrator.ts';
import { publishProcessMetrics } from '../../monitoring/metrics/publish.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';

export async function worker(file: string, options: { concurrency: number }): Promise<void> {
  const pipeline = await loadPipeline(file);
  const logger = createLogger('worker');
  const published = await publishProcessMetrics('worker', { logger });
  const assetWorker = createAssetWorker(pipeline, {
    concurrency: options.concurrency,
    logger,
    metrics: published.metrics.orchestrator(),
  });
  // Asset definitions follow edits of the config file without a restart.
  const watcher = new ConfigWatcher({
    file,
    initial: pipeline,
    logger,
    onApplied: (next) => assetWorker.usePipeline(next),
  });
  try {
    await assetWorker.start();
    await untilSignalled(assetWorker);
  } finally {
    await watcher.close();
    await assetWorker.close();
    await published.close();
  }
}

/** A worker that records run, materialization and check metrics as it finishes them. */
export function createAssetWorker(
  pipeline: LoadedPipeline,
  options: { concurrency: number; logger: Logger; metrics: OrchestratorMetrics },
): AssetWorker {
  return new AssetWorker({
    pipeline,
    concurrency: options.concurrency,
    logger: options.logger,
    observer: metricsObserver(options.metrics),
  });
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
