import { describe, expect, it } from 'vitest';
import { backoffDelayMs, failuresToReachMax } from '../../../src/scheduler/backoff.ts';

const DEFAULTS = { initialMs: 30_000, maxMs: 30 * 60_000 };

describe('back-off after failed automated materializations', () => {
  it('doubles from initial per consecutive failure and reaches max with the defaults', () => {
    const waits = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(n, DEFAULTS));
    expect(waits).toEqual([
      0,
      30_000,
      60_000,
      120_000,
      240_000,
      480_000,
      960_000, // 16m: where counting only 5 records used to stop (8m)
      30 * 60_000, // 32m capped: max reached
      30 * 60_000,
    ]);
  });

  it('never exceeds max, however long the streak', () => {
    expect(backoffDelayMs(10_000, DEFAULTS)).toBe(DEFAULTS.maxMs);
  });

  it('says how long a streak needs counting for max to be reached', () => {
    expect(failuresToReachMax(DEFAULTS)).toBe(7);
    expect(backoffDelayMs(failuresToReachMax(DEFAULTS), DEFAULTS)).toBe(DEFAULTS.maxMs);
    expect(backoffDelayMs(failuresToReachMax(DEFAULTS) - 1, DEFAULTS)).toBeLessThan(DEFAULTS.maxMs);
    expect(failuresToReachMax({ initialMs: 60_000, maxMs: 60_000 })).toBe(1);
    expect(failuresToReachMax({ initialMs: 1_000, maxMs: 7 * 24 * 3_600_000 })).toBe(21);
  });
});
