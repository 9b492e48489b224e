import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { createMonitorRuntime } from '../../monitoring/runtime.ts';
import { formatMonitorPass } from '../../monitoring/format-status.ts';
import { createLogger } from '../../shared/logger.ts';
import { duration } from '../options.ts';
import { configFile, print } from './config-commands.ts';

interface MonitorCommandOptions {
  once?: boolean;
  json?: boolean;
  interval?: number;
}

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
      const pipeline = await loadPipeline(configFile(command));
      const intervalMs = options.interval;
      const logger = createLogger('monitor');
      const runtime = await createMonitorRuntime(pipeline, { logger, intervalMs });
      try {
        if (options.once) {
          const pass = await runtime.monitor.runOnce();
          print(options.json, pass, formatMonitorPass(pass));
          return;
        }
        runtime.monitor.start();
        await untilSignalled();
        logger.info('stopping: finishing the current pass');
      } finally {
        await runtime.close();
      }
    });
}

function untilSignalled(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
