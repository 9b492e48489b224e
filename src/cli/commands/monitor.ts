import type { Command } from 'commander';
import type { MonitorCommandOptions } from '../actions/monitor.ts';
import { duration } from '../options.ts';
import { configFile } from './config-commands.ts';

export function registerMonitorCommand(program: Command): void {
  program
    .command('monitor')
    .description(
      'watch Kafka lag, storage and asset health, evaluate alert rules (one active monitor at a time); runs until SIGTERM',
    )
    .option('--once', 'run a single pass, print it and exit')
    .option('--json', 'with --once: print the pass as JSON')
    .option('--interval <duration>', 'override monitoring.interval, e.g. 5s', duration)
    .action(async (options: MonitorCommandOptions, command: Command) => {
      const { monitor } = await import('../actions/monitor.ts');
      await monitor(configFile(command), options);
    });
}
