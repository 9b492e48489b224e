import type { Command } from 'commander';
import type { MaterializeOptions } from '../actions/materialize.ts';
import { duration, positiveInt } from '../options.ts';
import { configFile } from './config-commands.ts';

export function registerMaterializeCommand(program: Command): void {
  program
    .command('materialize')
    .description('run a selection of assets now (key, +key, key+, tag:x, kind:dbt, *)')
    .argument('<selection>', 'assets to materialize')
    .option('--wait', 'follow the run until it ends; exit 1 if an asset or error check failed')
    .option('--inline', 'run a worker in this process for the run (implies --wait)')
    .option('--json', 'print the run as JSON')
    .option('--reason <text>', 'why this run was requested, kept with the run')
    .option('--vars <mapping>', "dbt vars for this run's dbt assets (YAML or JSON mapping)")
    .option('--full-refresh', 'rebuild incremental dbt models from scratch in this run')
    .option(
      '--worker-timeout <duration>',
      'with --wait: give up when no worker shows up for this long',
      duration,
      15_000,
    )
    .option('--concurrency <n>', 'with --inline: jobs run at once', positiveInt, 1)
    .action(async (selection: string, options: MaterializeOptions, command: Command) => {
      const { materialize } = await import('../actions/materialize.ts');
      await materialize(configFile(command), selection, options);
    });
}
