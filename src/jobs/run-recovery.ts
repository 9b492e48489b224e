import type { Logger } from '../shared/logger.ts';
import type { RedisKeys } from './keys.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { RunStore } from './run-store.ts';
import { membersAfter, readCursor, writeCursor } from './zset-cursor.ts';

/** Runs examined per pass; the next pass continues where this one stopped. */
const BATCH = 100;

/**
 * Finds runs whose creator died between creating the run and enqueuing its root assets (the two
 * are separate calls), which would otherwise stay `queued` forever. Each run is looked at once,
 * `graceMs` after its creation, by a cursor over the run index kept in Redis: a run still
 * `queued` then gets its queued assets enqueued again. Enqueuing is idempotent (job ids are
 * derived from run and asset), so a run whose creator was merely slow, or whose jobs are
 * waiting for a worker, gains nothing; neither does a pass repeated by a racing worker.
 * Returns the runs re-enqueued.
 */
export async function recoverUnenqueuedRuns(options: {
  redis: RedisClient;
  keys: RedisKeys;
  runs: RunStore;
  enqueue(runId: string, assets: readonly string[]): Promise<void>;
  graceMs: number;
  logger: Logger;
  now?: number;
}): Promise<string[]> {
  const cursorKey = options.keys.createdRunsCursor();
  const cursor = await readCursor(options.redis, cursorKey);
  const upTo = (options.now ?? Date.now()) - options.graceMs;
  const due = await membersAfter(options.redis, options.keys.runs(), cursor, upTo, BATCH);
  const recovered: string[] = [];
  for (const run of due) {
    const runId = run.member;
    if ((await options.runs.status(runId)) === 'queued') {
      const assets = await options.runs.assetsIn(runId, 'queued');
      await options.enqueue(runId, assets);
      if (assets.length > 0) {
        recovered.push(runId);
        options.logger.info(
          { runId, assets, createdAt: run.score },
          'run still queued after the grace time: enqueued its queued assets again',
        );
      }
    }
    await writeCursor(options.redis, cursorKey, run);
  }
  return recovered;
}
