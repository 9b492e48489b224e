import { describe, expect, it } from 'vitest';
import {
  evaluatePartition,
  lagOf,
  worstStatus,
  type PartitionHistory,
  type PartitionObservation,
} from '../../../src/monitoring/lag/evaluate.ts';
import { LagWindows } from '../../../src/monitoring/lag/windows.ts';

const OPTIONS = { window: 4, stopAfterMs: 60_000 };

/** Feeds (committed, logEnd) pairs 10 s apart through a window, as the monitor would. */
function feed(points: Array<[committed: number, logEnd: number]>, startAt = 0) {
  const windows = new LagWindows(OPTIONS.window);
  let history: PartitionHistory | undefined;
  let at = startAt;
  for (const [committed, logEnd] of points) {
    history = windows.observe('g', 't', 0, { at, committed, logStart: 0, logEnd });
    at += 10_000;
  }
  return { history: history!, now: at - 10_000 };
}

describe('Burrow-style lag evaluation', () => {
  it('is OK when lag reached zero within the window, even if it is positive now', () => {
    const { history, now } = feed([
      [100, 100],
      [100, 150],
      [150, 200],
      [200, 260],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS)).toMatchObject({ status: 'OK', lag: 60 });
  });

  it('is STALL when the committed offset never moves across a full window with lag', () => {
    const { history, now } = feed([
      [50, 100],
      [50, 110],
      [50, 120],
      [50, 130],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS)).toMatchObject({
      status: 'STALL',
      lag: 80,
    });
  });

  it('waits for a full window before calling a partition stalled', () => {
    const { history, now } = feed([
      [50, 100],
      [50, 110],
      [50, 120],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS).status).toBe('OK');
  });

  it('is WARN when offsets move but lag only grows', () => {
    const { history, now } = feed([
      [10, 100],
      [20, 130],
      [30, 160],
      [40, 200],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS)).toMatchObject({
      status: 'WARN',
      lag: 160,
    });
  });

  it('is OK when offsets move and lag shrinks at some point', () => {
    const { history, now } = feed([
      [10, 100],
      [60, 130],
      [70, 120],
      [80, 200],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS).status).toBe('OK');
  });

  it('is STOP when the group has no members and lag is positive', () => {
    const { history, now } = feed([
      [100, 100],
      [100, 150],
    ]);
    expect(evaluatePartition(history, false, now, OPTIONS)).toMatchObject({
      status: 'STOP',
      lag: 50,
    });
  });

  it('is OK for a group with no members and nothing to read', () => {
    const { history, now } = feed([
      [100, 100],
      [100, 100],
    ]);
    expect(evaluatePartition(history, false, now, OPTIONS).status).toBe('OK');
  });

  it('is STOP when members exist but the offset has not moved for stopAfter', () => {
    // 8 observations 10 s apart: the offset last changed 70 s before the latest read.
    const { history, now } = feed([
      [0, 10],
      [5, 20],
      [5, 30],
      [5, 40],
      [5, 50],
      [5, 60],
      [5, 70],
      [5, 80],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS)).toMatchObject({ status: 'STOP' });
    expect(evaluatePartition(history, true, now, OPTIONS).reason).toMatch(
      /no offset commit progress for 60s/,
    );
  });

  it('is REWIND when the committed offset goes backwards, whatever the lag', () => {
    const { history, now } = feed([
      [100, 200],
      [150, 200],
      [20, 200],
      [200, 200],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS)).toMatchObject({
      status: 'REWIND',
      lag: 0,
    });
  });

  it('forgets a rewind once it leaves the window', () => {
    const { history, now } = feed([
      [100, 200],
      [20, 200],
      [200, 200],
      [200, 210],
      [210, 210],
      [210, 210],
    ]);
    expect(evaluatePartition(history, true, now, OPTIONS).status).toBe('OK');
  });

  it('counts a group that never committed as owing everything retained', () => {
    const o: PartitionObservation = { at: 0, committed: -1, logStart: 40, logEnd: 100 };
    expect(lagOf(o)).toBe(60);
    const { history, now } = feed([
      [-1, 100],
      [-1, 120],
    ]);
    expect(evaluatePartition(history, false, now, OPTIONS)).toMatchObject({
      status: 'STOP',
      lag: 120,
    });
  });

  it('rates a group by its worst partition', () => {
    expect(worstStatus(['OK', 'WARN', 'OK'])).toBe('WARN');
    expect(worstStatus(['STALL', 'REWIND'])).toBe('STALL');
    expect(worstStatus(['STALL', 'STOP', 'WARN'])).toBe('STOP');
    expect(worstStatus([])).toBe('OK');
  });
});

describe('lag windows', () => {
  it('keeps only the configured number of observations per partition', () => {
    const windows = new LagWindows(3);
    let history: PartitionHistory | undefined;
    for (let i = 0; i < 10; i++)
      history = windows.observe('g', 't', 1, { at: i, committed: i, logStart: 0, logEnd: 20 });
    expect(history!.observations.map((o) => o.at)).toEqual([7, 8, 9]);
  });

  it('tracks when the committed offset last changed, beyond the window', () => {
    const windows = new LagWindows(2);
    windows.observe('g', 't', 0, { at: 1, committed: 5, logStart: 0, logEnd: 9 });
    windows.observe('g', 't', 0, { at: 2, committed: 6, logStart: 0, logEnd: 9 });
    windows.observe('g', 't', 0, { at: 3, committed: 6, logStart: 0, logEnd: 9 });
    const history = windows.observe('g', 't', 0, { at: 4, committed: 6, logStart: 0, logEnd: 9 });
    expect(history.lastOffsetChangeAt).toBe(2);
  });

  it('keeps partitions of different groups and topics apart, and forgets vanished ones', () => {
    const windows = new LagWindows(5);
    windows.observe('a', 't', 0, { at: 1, committed: 1, logStart: 0, logEnd: 1 });
    windows.observe('b', 't', 0, { at: 1, committed: 9, logStart: 0, logEnd: 9 });
    windows.retainOnly('a', 't', new Set([1]));
    expect(
      windows.observe('a', 't', 0, { at: 2, committed: 1, logStart: 0, logEnd: 1 }).observations,
    ).toHaveLength(1);
    expect(
      windows.observe('b', 't', 0, { at: 2, committed: 9, logStart: 0, logEnd: 9 }).observations,
    ).toHaveLength(2);
  });
});
