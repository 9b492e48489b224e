import type { LagStatus } from '../../config/types.ts';

export type { LagStatus };

/**
 * Burrow-style consumer lag evaluation. A single lag figure cannot tell a slow consumer from a
 * dead one; the shape of lag and committed offsets over a sliding window of observations can:
 *
 *   REWIND  the committed offset went backwards (a reset, or a consumer replaying)
 *   STOP    lag > 0 and nobody is consuming: the group has no members, or the committed
 *           offset has not changed for longer than stopAfterMs
 *   OK      lag was zero at some point in the window (the consumer keeps catching up)
 *   STALL   the window is full, lag > 0 throughout and the committed offset never moved
 *   WARN    the committed offset moves, but lag only grows across the window
 *   OK      otherwise
 *
 * Pure: the caller keeps the window and passes `now`.
 */

export interface PartitionObservation {
  /** When the offsets were read (ms since epoch). */
  at: number;
  /** The group's committed offset; -1 when the group never committed on this partition. */
  committed: number;
  /** Log start and end (high watermark) offsets of the partition. */
  logStart: number;
  logEnd: number;
}

export interface PartitionHistory {
  /** Oldest first, at most the configured window. */
  observations: readonly PartitionObservation[];
  /** When the committed offset was last seen to change (or first seen, if it never did). */
  lastOffsetChangeAt: number;
}

export interface EvaluationOptions {
  /** Observations a full window holds; STALL and WARN need a full window. */
  window: number;
  stopAfterMs: number;
}

export interface PartitionVerdict {
  status: LagStatus;
  lag: number;
  reason: string;
}

/** Messages the group has yet to read; a group that never committed owes everything retained. */
export function lagOf(o: PartitionObservation): number {
  const from = o.committed < 0 ? o.logStart : o.committed;
  return Math.max(0, o.logEnd - from);
}

export function evaluatePartition(
  history: PartitionHistory,
  groupHasMembers: boolean,
  now: number,
  options: EvaluationOptions,
): PartitionVerdict {
  const window = history.observations;
  const latest = window.at(-1);
  if (latest === undefined) return { status: 'OK', lag: 0, reason: 'no observations yet' };
  const lag = lagOf(latest);
  const lags = window.map(lagOf);

  const rewind = findRewind(window);
  if (rewind)
    return {
      status: 'REWIND',
      lag,
      reason: `committed offset went back from ${rewind.from} to ${rewind.to}`,
    };

  if (lag > 0 && !groupHasMembers)
    return { status: 'STOP', lag, reason: 'the group has no active members' };
  const idleMs = now - history.lastOffsetChangeAt;
  if (lag > 0 && idleMs >= options.stopAfterMs) {
    return {
      status: 'STOP',
      lag,
      reason: `no offset commit progress for ${Math.round(idleMs / 1000)}s`,
    };
  }

  if (lags.some((l) => l === 0))
    return { status: 'OK', lag, reason: 'lag reached zero within the window' };
  if (window.length < options.window) return { status: 'OK', lag, reason: 'window not full yet' };

  const first = window[0] as PartitionObservation;
  if (window.every((o) => o.committed === first.committed)) {
    return {
      status: 'STALL',
      lag,
      reason: `committed offset stuck at ${first.committed} with lag ${lag}`,
    };
  }
  if (isGrowing(lags)) {
    return { status: 'WARN', lag, reason: `lag grew from ${lags[0]} to ${lag} across the window` };
  }
  return { status: 'OK', lag, reason: 'consuming' };
}

/** Worst first: a group is as healthy as its least healthy partition. */
const RANK: Record<LagStatus, number> = { OK: 0, WARN: 1, REWIND: 2, STALL: 3, STOP: 4 };

export function worstStatus(statuses: Iterable<LagStatus>): LagStatus {
  let worst: LagStatus = 'OK';
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

function findRewind(
  window: readonly PartitionObservation[],
): { from: number; to: number } | undefined {
  for (let i = 1; i < window.length; i++) {
    const before = (window[i - 1] as PartitionObservation).committed;
    const after = (window[i] as PartitionObservation).committed;
    if (before >= 0 && after >= 0 && after < before) return { from: before, to: after };
  }
  return undefined;
}

/** Never shrinking and larger at the end than at the start. */
function isGrowing(lags: readonly number[]): boolean {
  for (let i = 1; i < lags.length; i++)
    if ((lags[i] as number) < (lags[i - 1] as number)) return false;
  return (lags.at(-1) as number) > (lags[0] as number);
}
