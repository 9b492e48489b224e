import { Option, type Command } from 'commander';
import type { ProduceCommandOptions } from '../actions/produce.ts';
import { duration, positiveInt } from '../options.ts';
import { configFile } from './config-commands.ts';

const SOURCES = ['simulated', 'coingecko'] as const satisfies readonly NonNullable<
  ProduceCommandOptions['source']
>[];

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description(
      'send one price message per coin per tick to Kafka (one tick, or every --interval until SIGTERM)',
    )
    .option(
      '-n, --count <ticks>',
      'how many ticks (default 1, or unlimited with --interval); without --interval the simulated ' +
        'source backfills a history: tick i of N is stamped now - (N-1-i) minutes (one minute ' +
        'apart, oldest first, ending now)',
      positiveInt,
    )
    .option(
      '-i, --interval <duration>',
      'time between ticks, e.g. 5s; each tick is stamped with the time it is sent',
      duration,
    )
    .addOption(
      new Option(
        '-s, --source <source>',
        'price source (default: produce.source from the config)',
      ).choices(SOURCES),
    )
    .option('--json', 'print the summary as JSON')
    .action(async (options: ProduceCommandOptions, command: Command) => {
      const { produce } = await import('../actions/produce.ts');
      await produce(configFile(command), options);
    });
}
