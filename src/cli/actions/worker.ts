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
  // Listening from before start(): a SIGTERM that arrives as the worker comes up (a deploy, a
  // test that saw "worker started") still stops it gracefully once it is up.
  const signalled = stopRequested(assetWorker);
  try {
    await assetWorker.start();
    await signalled;
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
 * Resolves on the first SIGTERM/SIGINT: the worker then stops taking jobs and lets running ones
 * finish within the grace time (STRATA_SHUTDOWN_GRACE_MS) before handing the rest back. A second
 * signal hands back at once.
 */
function stopRequested(worker: AssetWorker): Promise<void> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (): void => {
      signals += 1;
      if (signals === 1) resolve();
      else worker.handBackNow();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
