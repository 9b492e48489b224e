import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { Orchestrator, assetStatuses, orchestratorSettings } from '../../jobs/index.ts';
import { formatStatusTable } from '../../jobs/render.ts';
import { formatMonitoringStatus } from '../../monitoring/format-status.ts';
import { readMonitoringStatus } from '../../monitoring/status.ts';
import { configFile, print } from './config-commands.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'per asset: last materialization, data time, freshness, checks, blocked; then Kafka lag and firing alerts',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
      const orchestrator = await Orchestrator.connect(pipeline);
      try {
        const assets = await assetStatuses(pipeline, orchestrator.events);
        const monitoring = await readMonitoringStatus(
          orchestrator.redis,
          orchestratorSettings().keyPrefix,
          { recent: 5 },
        );
        print(
          options.json,
          { assets, monitoring },
          `${formatStatusTable(assets)}\n\n${formatMonitoringStatus(monitoring)}`,
        );
      } finally {
        await orchestrator.close();
      }
    });
}
