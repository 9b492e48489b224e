import { loadPipeline } from '../../config/index.ts';
import { orchestratorSettings } from '../../jobs/index.ts';
import { Scheduler } from '../../scheduler/scheduler.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';
import type { LoadedPipeline } from '../../config/index.ts';

export async function scheduler(file: string): Promise<void> {
  const pipeline = await loadPipeline(file);
  const logger = createLogger('scheduler');
  const running = await startScheduler(file, pipeline, logger);
  await untilSignalled();
  logger.info('stopping: finishing the current evaluation');
  await running.close();
}

/** A scheduler process's parts: leader election, automation, and the cron schedules' tick worker. */
export async function startScheduler(
  file: string,
  pipeline: LoadedPipeline,
  logger: Logger,
): Promise<Scheduler> {
  return Scheduler.start({
    file,
    pipeline,
    redisUrl: serviceSettings().redisUrl,
    settings: orchestratorSettings(),
    logger,
  });
}

export function untilSignalled(): Promise<void> {
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
