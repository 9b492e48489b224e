import type { SchedulerSettings } from '../config/types.ts';
import { backoffDelay } from '../shared/backoff.ts';

type Backoff = SchedulerSettings['backoff'];

/**
 * The wait after `failures` consecutive failed materializations: `initial × 2^(failures-1)`,
 * capped at `max`; 0 with no failure.
 */
export function backoffDelayMs(failures: number, backoff: Backoff): number {
  if (failures <= 0) return 0;
  // No jitter: the wait is shown in `strata plan`, and one scheduler decides, so nothing to spread.
  return backoffDelay(failures, { initialMs: backoff.initialMs, maxMs: backoff.maxMs, jitter: 0 });
}

/**
 * The failure streak at which the wait reaches `max` (7 with the defaults, 30s doubling to 30m):
 * a streak longer than that waits the same, so this is as far as the store needs to count.
 */
export function failuresToReachMax(backoff: Backoff): number {
  if (backoff.initialMs <= 0) return 1;
  let failures = 1;
  while (backoffDelayMs(failures, backoff) < backoff.maxMs) failures += 1;
  return failures;
}
