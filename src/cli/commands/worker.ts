import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { AssetWorker, type WorkerObserver } from '../../jobs/index.ts';
import type { OrchestratorMetrics } from '../../monitoring/metrics/orchestrator.ts';
import { publishProcessMetrics } from '../../monitoring/metrics/publish.ts';
import { createLogger } from '../../shared/logger.ts';
import { configFile } from './config-commands.ts';
import { positiveInt } from '../options.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('materialize assets from the queue until SIGTERM (run as many as you like)')
    .option('--concurrency <n>', 'jobs processed at once by this worker', positiveInt, 1)
    .action(async (options: { concurrency: number }, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
      const logger = createLogger('worker');
      const published = await publishProcessMetrics('worker', { logger });
      const worker = new AssetWorker({
        pipeline,
        concurrency: options.concurrency,
        logger,
        observer: metricsObserver(published.metrics.orchestrator()),
      });
      try {
        await worker.start();
        await untilSignalled(worker);
      } finally {
        await worker.close();
        await published.close();
      }
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
