import type { FreshnessPolicy } from '../../config/types.ts';
import type { FreshnessState } from './types.ts';

/**
 * Freshness from data time, not from the last run: lag = now - data time. An asset with no
 * known data time is `unknown`; one with no policy is `fresh` once its data time is known.
 */
export function freshnessState(
  dataTime: number | null | undefined,
  policy: FreshnessPolicy | undefined,
  now: number,
): FreshnessState {
  if (dataTime === null || dataTime === undefined) return 'unknown';
  const lag = now - dataTime;
  if (policy?.failAfterMs !== undefined && lag > policy.failAfterMs) return 'fail';
  if (policy?.warnAfterMs !== undefined && lag > policy.warnAfterMs) return 'warn';
  return 'fresh';
}
