import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { Orchestrator, assetStatuses } from '../../jobs/index.ts';
import { formatStatusTable } from '../../jobs/render.ts';
import { configFile, print } from './config-commands.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('per asset: last materialization, data time, freshness, checks, blocked')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
      const orchestrator = await Orchestrator.connect(pipeline);
      try {
        const assets = await assetStatuses(pipeline, orchestrator.events);
        print(options.json, assets, formatStatusTable(assets));
      } finally {
        await orchestrator.close();
      }
    });
}
