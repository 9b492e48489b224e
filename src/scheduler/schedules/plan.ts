import type { ScheduleSpec } from '../../config/index.ts';

/** What a tick job carries: the schedule and what it does, as the leader last reconciled it. */
export type TickData = { schedule: string; select: string } | { schedule: string; task: 'produce' };

/** A job scheduler as BullMQ stores it (the fields reconciling compares). */
export interface StoredSchedule {
  name: string;
  pattern?: string | null;
  tz?: string | null;
  data?: unknown;
}

export interface ScheduleChange {
  name: string;
  kind: 'added' | 'changed' | 'removed';
  /** For the log, e.g. "schedule produce_prices: cron '0 * * * *' -> '30 * * * *'". */
  description: string;
}

export interface ReconcilePlan {
  /** Schedules to add or replace (BullMQ's upsert replaces in place: never remove-then-add). */
  upserts: ScheduleSpec[];
  /** Job schedulers with no enabled schedule of that name any more. */
  removals: string[];
  changes: ScheduleChange[];
}

export function tickDataOf(schedule: ScheduleSpec): TickData {
  return 'select' in schedule.target
    ? { schedule: schedule.name, select: schedule.target.select }
    : { schedule: schedule.name, task: schedule.target.task };
}

/**
 * Declared schedules against the stored ones: upsert what is new or differs (cron, time zone
 * or target), remove what is gone or disabled, leave the rest alone (an upsert replaces the
 * pending tick, so re-upserting an unchanged schedule would only churn Redis).
 */
export function planReconcile(
  declared: readonly ScheduleSpec[],
  stored: readonly StoredSchedule[],
): ReconcilePlan {
  const storedByName = new Map(stored.map((s) => [s.name, s]));
  const enabled = declared.filter((s) => s.enabled);
  const plan: ReconcilePlan = { upserts: [], removals: [], changes: [] };
  for (const schedule of enabled) {
    const current = storedByName.get(schedule.name);
    if (!current) {
      plan.upserts.push(schedule);
      plan.changes.push({
        name: schedule.name,
        kind: 'added',
        description: describeAdded(schedule),
      });
      continue;
    }
    const differences = differencesOf(current, schedule);
    if (differences.length === 0) continue;
    plan.upserts.push(schedule);
    plan.changes.push({
      name: schedule.name,
      kind: 'changed',
      description: `schedule ${schedule.name}: ${differences.join(', ')}`,
    });
  }
  const keep = new Set(enabled.map((s) => s.name));
  const disabled = new Set(declared.filter((s) => !s.enabled).map((s) => s.name));
  for (const current of stored) {
    if (keep.has(current.name)) continue;
    plan.removals.push(current.name);
    plan.changes.push({
      name: current.name,
      kind: 'removed',
      description: `schedule ${current.name} ${disabled.has(current.name) ? 'disabled' : 'removed'} (was cron '${current.pattern ?? '?'}')`,
    });
  }
  return plan;
}

function differencesOf(current: StoredSchedule, schedule: ScheduleSpec): string[] {
  const differences: string[] = [];
  if (current.pattern !== schedule.cron)
    differences.push(`cron '${current.pattern ?? ''}' -> '${schedule.cron}'`);
  if ((current.tz ?? 'UTC') !== schedule.timezone)
    differences.push(`timezone ${current.tz ?? 'UTC'} -> ${schedule.timezone}`);
  const before = describeTarget(current.data);
  const after = describeTarget(tickDataOf(schedule));
  if (before !== after) differences.push(`${before} -> ${after}`);
  return differences;
}

function describeAdded(schedule: ScheduleSpec): string {
  return `schedule ${schedule.name} added: cron '${schedule.cron}' (${schedule.timezone}), ${describeTarget(tickDataOf(schedule))}`;
}

function describeTarget(data: unknown): string {
  if (typeof data === 'object' && data !== null) {
    if ('select' in data && typeof data.select === 'string') return `select '${data.select}'`;
    if ('task' in data && typeof data.task === 'string') return `task ${data.task}`;
  }
  return 'no target';
}
