import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { selectAssets } from '../../assets/selection.ts';
import { UsageError } from '../../shared/errors.ts';
import { renderGraph, type GraphFormat } from '../render-graph.ts';

const FORMATS: readonly GraphFormat[] = ['text', 'json', 'mermaid'];

export function registerConfigCommands(program: Command): void {
  program
    .command('validate')
    .description('check the pipeline config: schema, references, cycles, schedules')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const file = configFile(command);
      const pipeline = await loadPipeline(file);
      const summary = {
        ok: true,
        file,
        assets: pipeline.graph.order.length,
        schedules: pipeline.schedules.length,
      };
      print(
        options.json,
        summary,
        `${file}: ok (${summary.assets} assets, ${summary.schedules} schedules)`,
      );
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
        const pipeline = await loadPipeline(configFile(command));
        const keys = selectAssets(options.select, pipeline.graph, pipeline.assets);
        process.stdout.write(renderGraph(pipeline, keys, format as GraphFormat));
      },
    );
}

/** The global --config option, wherever on the command line it was given. */
export function configFile(command: Command): string {
  return command.optsWithGlobals<{ config: string }>().config;
}

export function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}
