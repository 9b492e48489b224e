import type { Command } from 'commander';
import { UsageError } from '../../shared/errors.ts';
import type { GraphFormat } from '../render-graph.ts';

const FORMATS: readonly GraphFormat[] = ['text', 'json', 'mermaid'];

export function registerConfigCommands(program: Command): void {
  program
    .command('validate')
    .description('check the pipeline config: schema, references, cycles, schedules')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { validate } = await import('../actions/config.ts');
      await validate(configFile(command), options);
    });

  program
    .command('graph')
    .description('print the asset graph in dependency order')
    .option(
      '-s, --select <selection>',
      'only these assets (key, +key, key+, tag:x, kind:dbt, *)',
      '*',
    )
    .option('-f, --format <format>', `output format: ${FORMATS.join(', ')}`, 'text')
    .option('--json', 'same as --format json')
    .action(
      async (options: { select: string; format: string; json?: boolean }, command: Command) => {
        const format = options.json ? 'json' : options.format;
        if (!FORMATS.includes(format as GraphFormat)) {
          throw new UsageError(`unknown format "${format}"; use one of ${FORMATS.join(', ')}`);
        }
        const { graph } = await import('../actions/config.ts');
        await graph(configFile(command), options.select, format as GraphFormat);
      },
    );
}

/** The global --config option, wherever on the command line it was given. */
export function configFile(command: Command): string {
  return command.optsWithGlobals<{ config: string }>().config;
}
