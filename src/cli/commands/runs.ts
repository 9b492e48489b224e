import type { Command } from 'commander';
import { configFile } from './config-commands.ts';
import { positiveInt } from '../options.ts';

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list recent runs, newest first')
    .option('--limit <n>', 'how many runs', positiveInt, 20)
    .option('--json', 'print the runs as JSON')
    .action(async (options: { limit: number; json?: boolean }, command: Command) => {
      const { runs } = await import('../actions/runs.ts');
      await runs(configFile(command), options);
    });
}
