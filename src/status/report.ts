/**
 * The whole pipeline's status in one read, as `strata status --json` prints it and `GET
 * /api/status` answers it: every asset's state and freshness, the scheduler (leader, applied
 * config, the current config error, schedules' next ticks, last decisions) and the monitor (lag,
 * alerts).
 */
import type { LoadedPipeline } from '../config/load.ts';
import type { EventLog } from '../jobs/event-log.ts';
import type { OrchestratorSettings } from '../jobs/settings.ts';
import { assetStatuses, type AssetStatus } from '../jobs/status.ts';
import { readMonitoringStatus, type MonitoringStatus } from '../monitoring/status.ts';
import type { RedisClient } from '../redis/connection.ts';
import { SchedulerKeys } from '../scheduler/keys.ts';
import { readSchedulerStatus, type SchedulerStatus } from '../scheduler/status.ts';

export interface StatusReport {
  assets: AssetStatus[];
  scheduler: SchedulerStatus;
  monitoring: MonitoringStatus;
}

/** Alert transitions included in the report. */
const RECENT_ALERTS = 5;

export async function readStatusReport(
  redis: RedisClient,
  pipeline: LoadedPipeline,
  events: EventLog,
  settings: Pick<OrchestratorSettings, 'keyPrefix' | 'queuePrefix'>,
): Promise<StatusReport> {
  const [assets, scheduler, monitoring] = await Promise.all([
    assetStatuses(pipeline, events),
    readSchedulerStatus(redis, new SchedulerKeys(settings.keyPrefix), pipeline, settings),
    readMonitoringStatus(redis, settings.keyPrefix, { recent: RECENT_ALERTS }),
  ]);
  return { assets, scheduler, monitoring };
}
