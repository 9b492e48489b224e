import { loadPipeline } from '../../config/index.ts';
import { createMonitorRuntime } from '../../monitoring/runtime.ts';
import { formatMonitorPass } from '../../monitoring/format-status.ts';
import { createLogger } from '../../shared/logger.ts';
import { print } from '../print.ts';

export interface MonitorCommandOptions {
  once?: boolean;
  json?: boolean;
  interval?: number;
}

export async function monitor(file: string, options: MonitorCommandOptions): Promise<void> {
  const pipeline = await loadPipeline(file);
  const intervalMs = options.interval;
  const logger = createLogger('monitor');
  const runtime = await createMonitorRuntime(pipeline, { logger, intervalMs });
  try {
    if (options.once) {
      const pass = await runtime.monitor.passOrLook();
      print(options.json, pass, formatMonitorPass(pass));
      return;
    }
    runtime.monitor.start();
    await untilSignalled();
    logger.info('stopping: finishing the current pass');
  } finally {
    await runtime.close();
  }
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
