import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { AssetWorker } from '../../jobs/index.ts';
import { parsePositiveInt } from './materialize.ts';
import { configFile } from './config-commands.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('materialize assets from the queue until SIGTERM (run as many as you like)')
    .option('--concurrency <n>', 'jobs processed at once by this worker', parsePositiveInt, 1)
    .action(async (options: { concurrency: number }, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
      const worker = new AssetWorker({ pipeline, concurrency: options.concurrency });
      await worker.start();
      await untilSignalled(worker);
    });
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
