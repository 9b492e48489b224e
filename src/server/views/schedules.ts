import type { RedisClient } from '../../redis/connection.ts';
import type { RunStatus } from '../../jobs/run-model.ts';
import { SchedulerKeys } from '../../scheduler/keys.ts';
import { nextFireTime } from '../../scheduler/schedules/index.ts';
import type { StoredDecision } from '../../scheduler/state.ts';
import { readSchedulerStatus, type SchedulerStatus } from '../../scheduler/status.ts';
import type { RunSource } from '../api-routes.ts';

export interface ScheduleView {
  name: string;
  cron: string;
  timezone: string;
  description: string | null;
  /** What a tick starts: a selection of assets, or the produce task. */
  target: string;
  enabled: boolean;
  /** Null when disabled, or when the expression has no next time. */
  nextFireAt: number | null;
  lastRuns: Array<{ id: string; status: RunStatus; createdAt: number }>;
}

export interface SchedulesView {
  scheduler: SchedulerStatus;
  schedules: ScheduleView[];
  /** The scheduler's newest decisions across assets, with their reasons. */
  recentDecisions: StoredDecision[];
  generatedAt: number;
}

/** How many recent runs are searched for each schedule's last runs, and how many are shown. */
const RUNS_SEARCHED = 200;
const RUNS_PER_SCHEDULE = 5;
const DECISIONS_SHOWN = 50;

/** The schedules page's data: from the config, the scheduler's state in Redis, and the runs. */
export async function readSchedulesView(
  source: RunSource,
  redis: RedisClient,
  settings: { keyPrefix: string; queuePrefix: string },
  now = Date.now(),
): Promise<SchedulesView> {
  const keys = new SchedulerKeys(settings.keyPrefix);
  const [scheduler, recent, runs] = await Promise.all([
    readSchedulerStatus(redis, keys, source.pipeline, settings),
    redis.lrange(keys.decisions(), 0, DECISIONS_SHOWN - 1),
    source.runs.list(RUNS_SEARCHED),
  ]);
  const schedules = source.pipeline.schedules.map((spec) => {
    // Runs a tick starts say so in their reason ("schedule <name>, tick of ...").
    const mine = runs.filter(
      (r) => r.trigger === 'schedule' && (r.reason ?? '').startsWith(`schedule ${spec.name},`),
    );
    return {
      name: spec.name,
      cron: spec.cron,
      timezone: spec.timezone,
      description: spec.description ?? null,
      target: 'select' in spec.target ? spec.target.select : `task ${spec.target.task}`,
      enabled: spec.enabled,
      nextFireAt: spec.enabled ? (nextFireTime(spec.cron, spec.timezone, now) ?? null) : null,
      lastRuns: mine
        .slice(0, RUNS_PER_SCHEDULE)
        .map((r) => ({ id: r.id, status: r.status, createdAt: r.createdAt })),
    };
  });
  return {
    scheduler,
    schedules,
    recentDecisions: recent.flatMap((raw) => {
      try {
        return [JSON.parse(raw) as StoredDecision];
      } catch {
        return [];
      }
    }),
    generatedAt: now,
  };
}
