import { loadPipeline } from '../../config/index.ts';
import { orchestratorSettings } from '../../jobs/index.ts';
import { Scheduler } from '../../scheduler/scheduler.ts';
import { ScheduleService } from '../../scheduler/schedules/index.ts';
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
  const { redisUrl } = serviceSettings();
  const settings = orchestratorSettings();
  let scheduler: Scheduler | undefined;
  // Every scheduler process runs the schedules' tick worker; only the leader reconciles them.
  const schedules = await ScheduleService.start({
    redisUrl,
    prefix: settings.keyPrefix,
    settings,
    pipeline: () => scheduler?.pipeline ?? pipeline,
    logger,
  });
  try {
    scheduler = await Scheduler.start({ file, pipeline, redisUrl, settings, logger, schedules });
  } catch (error) {
    await schedules.close();
    throw error;
  }
  return scheduler;
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
