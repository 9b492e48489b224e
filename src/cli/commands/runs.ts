import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { Orchestrator } from '../../jobs/index.ts';
import { formatRunsTable } from '../../jobs/render.ts';
import { configFile, print } from './config-commands.ts';
import { positiveInt } from '../options.ts';

export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list recent runs, newest first')
    .option('--limit <n>', 'how many runs', positiveInt, 20)
    .option('--json', 'print the runs as JSON')
    .action(async (options: { limit: number; json?: boolean }, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
      const orchestrator = await Orchestrator.connect(pipeline);
      try {
        const runs = await orchestrator.runs.list(options.limit);
        print(options.json, runs, formatRunsTable(runs));
      } finally {
        await orchestrator.close();
      }
    });
}
