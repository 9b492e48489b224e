import type { RedisClient } from '../redis/connection.ts';
import { AlertStore } from './alerts/store.ts';
import type { AlertEvent, AlertState } from './alerts/types.ts';
import { MonitorKeys } from './keys.ts';
import type { GroupLagReport } from './lag/report.ts';

export interface MonitoringStatus {
  /** The latest lag reports of the evaluating monitor; null when no monitor reported recently. */
  lag: GroupLagReport[] | null;
  /** Alerts firing now, worst severity first. */
  firing: AlertState[];
  /** Conditions holding but not yet for their rule's `for` duration. */
  pending: AlertState[];
  /** Firing or resolved transitions, newest first. */
  recent: AlertEvent[];
  /** Whether a monitor holds the lease (is evaluating rules). */
  monitorActive: boolean;
}

/** For `strata status`, the API and the UI: lag statuses and alerts, read from Redis. */
export async function readMonitoringStatus(
  redis: RedisClient,
  keyPrefix: string,
  options: { recent?: number } = {},
): Promise<MonitoringStatus> {
  const keys = new MonitorKeys(keyPrefix);
  const store = new AlertStore(redis, keys);
  const [lagJson, states, recent, lease] = await Promise.all([
    redis.get(keys.lag()),
    store.states(),
    store.history(options.recent ?? 20),
    redis.exists(keys.lease()),
  ]);
  const bySeverity = (a: AlertState, b: AlertState) =>
    a.severity === b.severity ? a.id.localeCompare(b.id) : a.severity === 'error' ? -1 : 1;
  return {
    lag: lagJson === null ? null : (JSON.parse(lagJson) as GroupLagReport[]),
    firing: states.filter((s) => s.phase === 'firing').sort(bySeverity),
    pending: states.filter((s) => s.phase === 'pending').sort(bySeverity),
    recent,
    monitorActive: lease === 1,
  };
}
