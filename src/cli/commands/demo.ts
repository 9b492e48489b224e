import type { Command } from 'commander';
import type { DemoCommandOptions } from '../actions/demo.ts';
import { duration, positiveInt } from '../options.ts';
import { configFile } from './config-commands.ts';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job on the local defaults: stack up, produce, ingest, materialize, status',
    )
    .option('--once', 'run one cycle and exit: 0 only if every error-severity check passed')
    .option('--ticks <n>', 'price ticks per cycle (one message per coin per tick)', positiveInt, 20)
    .option('--interval <duration>', 'time between cycles without --once', duration, 60_000)
    .action(async (options: DemoCommandOptions, command: Command) => {
      const { demo } = await import('../actions/demo.ts');
      await demo(configFile(command), options);
    });
}
