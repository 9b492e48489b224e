import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/scheduler/evaluate.ts';
import type { MaterializationRecord } from '../../../src/jobs/run-model.ts';
import {
  changedDecisions,
  decisionSignature,
  failureStreak,
} from '../../../src/scheduler/state.ts';

const decline = (asset: string, reason: string): Decision => ({ asset, action: 'decline', reason });

describe('decisions: what counts as a change (history and log)', () => {
  it('a steady state whose reasons only age is not a change', () => {
    const before = [
      decline('raw', 'fresh: data 12s old, warn after 30m'),
      { asset: 'stage', action: 'wait', reason: 'minInterval 3m: next automated run in 2m' },
      {
        asset: 'gold',
        action: 'decline',
        reason:
          'data 2h5m old, fail after 2h (past its window); source raw has no data newer than 2026-12-01T07:55:00Z: re-running cannot help, left to the alert rules',
      },
    ] satisfies Decision[];
    const now = [
      decline('raw', 'fresh: data 1m14s old, warn after 30m'),
      { asset: 'stage', action: 'wait', reason: 'minInterval 3m: next automated run in 45s' },
      {
        asset: 'gold',
        action: 'decline',
        reason:
          'data 2h6m old, fail after 2h (past its window); source raw has no data newer than 2026-12-01T07:56:30.500Z: re-running cannot help, left to the alert rules',
      },
    ] satisfies Decision[];
    expect(changedDecisions(before, now)).toEqual([]);
  });

  it('a different action, trigger or wording is a change; a first decision is one', () => {
    const before: Array<Decision | undefined> = [
      decline('a', 'no new upstream data'),
      { asset: 'b', action: 'wait', trigger: 'upstream', reason: 'already queued or running' },
      decline('c', 'fresh: data 12s old, warn after 30m'),
      undefined,
    ];
    const now: Decision[] = [
      decline('a', 'new data in raw (data 3s old)'),
      { asset: 'b', action: 'wait', trigger: 'freshness', reason: 'already queued or running' },
      { asset: 'c', action: 'wait', reason: 'fresh: data 12s old, warn after 30m' },
      decline('d', 'nothing to do'),
    ];
    expect(changedDecisions(before, now).map((d) => d.asset)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a request is always news, even with the same reason', () => {
    const request: Decision = {
      asset: 'a',
      action: 'request',
      trigger: 'upstream',
      reason: 'new data in raw (data 3s old)',
    };
    expect(changedDecisions([request], [request])).toEqual([request]);
  });

  it('keeps digits inside asset names: prices_v2 and prices_v3 differ', () => {
    const of = (reason: string) => decisionSignature({ action: 'decline', reason });
    expect(of('upstream prices_v2 failed')).not.toBe(of('upstream prices_v3 failed'));
    expect(of('backing off after 2 failed run(s): next try in 30s')).toBe(
      of('backing off after 2 failed run(s): next try in 1m5s'),
    );
  });
});

const SAMPLE: MaterializationRecord = {
  runId: 'run-1',
  asset: 'a',
  status: 'succeeded',
  attempt: 1,
  worker: 'w',
  fence: 1,
  enqueuedAt: 0,
  startedAt: 0,
  endedAt: 0,
  dataTime: null,
  metadata: {},
  checks: [],
};

describe('the failure streak back-off counts', () => {
  const record = (status: 'succeeded' | 'failed', i: number): MaterializationRecord => ({
    ...SAMPLE,
    status,
    startedAt: 1_000 - i * 10,
    endedAt: 1_005 - i * 10,
  });

  it('counts consecutive failures from the newest, past the 5 read for durations', () => {
    const records = [0, 1, 2, 3, 4, 5, 6].map((i) => record('failed', i));
    expect(failureStreak(records)).toBe(7);
    expect(
      failureStreak([...records.slice(0, 2), record('succeeded', 2), ...records.slice(3)]),
    ).toBe(2);
    expect(failureStreak([record('succeeded', 0), ...records])).toBe(0);
    expect(failureStreak([])).toBe(0);
  });
});
