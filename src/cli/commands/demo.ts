import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { runDemo } from '../../demo/demo.ts';
import { duration, positiveInt } from '../options.ts';
import { configFile } from './config-commands.ts';

interface DemoCommandOptions {
  once?: boolean;
  ticks: number;
  interval: number;
}

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
      const file = configFile(command);
      const pipeline = await loadPipeline(file);
      const abort = new AbortController();
      const stop = (): void => abort.abort(new Error('stopped by signal'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        process.exitCode = await runDemo(pipeline, {
          configFile: file,
          ticks: options.ticks,
          once: options.once ?? false,
          intervalMs: options.interval,
          signal: abort.signal,
          progress: (message) => process.stderr.write(`demo: ${message}\n`),
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
