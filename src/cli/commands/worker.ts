import type { Command } from 'commander';
import { configFile } from './config-commands.ts';
import { positiveInt } from '../options.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('materialize assets from the queue until SIGTERM (run as many as you like)')
    .option('--concurrency <n>', 'jobs processed at once by this worker', positiveInt, 1)
    .action(async (options: { concurrency: number }, command: Command) => {
      const { worker } = await import('../actions/worker.ts');
      await worker(configFile(command), options);
    });
}
