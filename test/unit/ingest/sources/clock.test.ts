import { describe, expect, it } from 'vitest';
import {
  BACKFILL_STEP_MS,
  SimulatedSource,
  tickClock,
} from '../../../../src/ingest/sources/index.ts';

const START = Date.parse('2026-11-25T10:00:00.000Z');

/** A clock that moves 1 ms per reading, so a test can tell "now" from a frozen timestamp. */
function movingNow(): () => number {
  let t = START;
  return () => t++;
}

describe('tickClock', () => {
  it('backfills a burst: tick i of N is stamped one minute apart, oldest first, ending at now', () => {
    const clock = tickClock({ ticks: 4, now: movingNow() });
    const stamps = [clock(), clock(), clock(), clock()];
    expect(stamps).toEqual([
      START - 3 * BACKFILL_STEP_MS,
      START - 2 * BACKFILL_STEP_MS,
      START - BACKFILL_STEP_MS,
      START,
    ]);
  });

  it('never runs into the future when asked more often than the ticks it was made for', () => {
    const clock = tickClock({ ticks: 2, now: () => START });
    expect([clock(), clock(), clock()]).toEqual([START - BACKFILL_STEP_MS, START, START]);
  });

  it('stamps every tick with the current time when paced, single or endless', () => {
    for (const options of [
      { ticks: 5, intervalMs: 5_000 },
      { ticks: Infinity, intervalMs: 5_000 },
      { ticks: 1 },
    ]) {
      const clock = tickClock({ ...options, now: movingNow() });
      expect([clock(), clock()]).toEqual([START, START + 1]);
    }
  });
});

describe('SimulatedSource on a backfill clock', () => {
  const coins = ['bitcoin', 'ethereum'];

  async function burst(seed: number, ticks: number) {
    const source = new SimulatedSource(seed, tickClock({ ticks, now: () => START }));
    const out = [];
    for (let i = 0; i < ticks; i++) out.push(await source.quotes(coins));
    return out;
  }

  it('gives each tick its own minute, shared by the coins of that tick, and stays seedable', async () => {
    const ticks = await burst(42, 3);
    expect(ticks.map((quotes) => quotes.map((q) => q.last_updated))).toEqual([
      ['2026-11-25T09:58:00.000Z', '2026-11-25T09:58:00.000Z'],
      ['2026-11-25T09:59:00.000Z', '2026-11-25T09:59:00.000Z'],
      ['2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.000Z'],
    ]);
    expect(await burst(42, 3)).toEqual(ticks);
    const paced = new SimulatedSource(42, () => START);
    for (const quotes of ticks) {
      // Only the timestamps move: the same seed walks through the same prices.
      expect((await paced.quotes(coins)).map((q) => q.price)).toEqual(quotes.map((q) => q.price));
    }
  });
});
