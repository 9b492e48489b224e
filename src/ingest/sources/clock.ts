/** Spacing of the ticks of a backfilled burst: one price a minute, like a real feed's history. */
export const BACKFILL_STEP_MS = 60_000;

export interface TickClockOptions {
  /** Ticks the run will make; Infinity for a run that goes on until stopped. */
  ticks: number;
  /** Pause between ticks; undefined for a burst. */
  intervalMs?: number;
  now?: () => number;
}

/**
 * The clock a price source stamps `last_updated` with, called once per tick. A paced run (with an
 * interval) stamps each tick with the time it is sent. A burst of N ticks sent at once would
 * otherwise give every tick the same millisecond, which looks like duplicated prices downstream
 * and leaves nothing for hourly bars to span; so a burst backfills a history instead: tick i is
 * stamped `end - (N-1-i) * step`, oldest first, ending at the moment of the first tick.
 */
export function tickClock(options: TickClockOptions): () => number {
  const now = options.now ?? Date.now;
  const { ticks } = options;
  if (options.intervalMs !== undefined || !Number.isFinite(ticks) || ticks <= 1) return now;
  let end: number | undefined;
  let tick = 0;
  return () => {
    end ??= now();
    // Extra calls (a caller asking twice) stay at the end rather than run into the future.
    const stepsBack = Math.max(ticks - 1 - tick, 0);
    tick++;
    return end - stepsBack * BACKFILL_STEP_MS;
  };
}
