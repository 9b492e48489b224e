export {
  ScheduleService,
  schedulesQueueName,
  type NextFireTime,
  type ScheduleServiceOptions,
} from './schedule-service.ts';
export { planReconcile, type ScheduleChange, type TickData } from './plan.ts';
export type { ScheduleTick } from './tick.ts';
export { runTick, type TickContext } from './tick.ts';
export { nextFireTime } from '../../config/cron.ts';
