import type { Command } from 'commander';
import { configFile } from './config-commands.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'per asset: last materialization, data time, freshness, checks, blocked; then Kafka lag and firing alerts',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { status } = await import('../actions/status.ts');
      await status(configFile(command), options);
    });
}
