import { Job, type Queue } from 'bullmq';
import type { Logger } from '../shared/logger.ts';
import type { RedisKeys } from './keys.ts';
import { jobDataSchema, type AssetJobData } from './queue.ts';
import type { Redis } from '../redis/connection.ts';
import type { RunStore } from './run-store.ts';

/** Failed jobs examined per sweep; the next sweep continues where this one stopped. */
const BATCH = 100;
/**
 * A failed job is swept only once its score (its finish time, from the clock of the process
 * that failed it) is this far behind this worker's clock, so a job failed by a process whose
 * clock trails this one's by less than that cannot be placed behind the cursor.
 */
export const SWEEP_SETTLE_MS = 5_000;

/** Where the sweep stopped: the failed set is ordered by (score, job id), and so is the cursor. */
export interface SweepCursor {
  score: number;
  id: string;
}

/**
 * BullMQ fails a job by itself when it stalled more than maxStalledCount times (its workers kept
 * dying); no processor runs then, so its asset would stay running in the run forever. Workers
 * sweep the failed set (scored by finish time) in order with a cursor kept in Redis, so no
 * failure is ever too old to be swept: a worker starting after a long outage continues where
 * the last sweep stopped, and a fresh prefix starts at the beginning of the (bounded) failed
 * set. Failures the processor recorded itself are already terminal, and the run-state script
 * ignores repeats, so sweeping a job twice (two workers racing) changes nothing; a cursor moved
 * back by a racing worker only repeats work, and a cursor only moves past jobs its writer swept.
 *
 * A sweep costs a sorted-set range read; subscribing to BullMQ's event stream instead would
 * make every worker parse every event of every job.
 */
export function startFailedJobSweeper(options: {
  queue: Queue<AssetJobData>;
  redis: Redis;
  keys: RedisKeys;
  runs: RunStore;
  intervalMs: number;
  workerId: string;
  logger: Logger;
  settleMs?: number;
}): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(() => sweepFailedJobs(options))
      .then(() => undefined)
      .catch((error: unknown) => options.logger.warn({ err: error }, 'failed-job sweep failed'));
  }, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * One sweep: closes the run state of every failed job after the cursor (up to BATCH of them
 * past the cursor's own score) and moves the cursor past them. Returns how many were examined.
 */
export async function sweepFailedJobs(options: {
  queue: Queue<AssetJobData>;
  redis: Redis;
  keys: RedisKeys;
  runs: RunStore;
  workerId: string;
  settleMs?: number;
  now?: number;
}): Promise<number> {
  const failedSet = options.queue.keys.failed;
  if (failedSet === undefined) throw new Error('BullMQ queue has no failed-set key');
  const cursorKey = options.keys.failedSweepCursor(options.queue.name);
  const cursor = parseCursor(await options.redis.get(cursorKey));
  const upTo = (options.now ?? Date.now()) - (options.settleMs ?? SWEEP_SETTLE_MS);
  const due = await failedAfter(options.redis, failedSet, cursor, upTo);
  for (const job of due) {
    await closeFailedJob(options, job.id);
    await options.redis.set(cursorKey, `${job.score} ${job.id}`);
  }
  return due.length;
}

/**
 * Failed jobs after the cursor in (score, id) order, up to `upTo`: those sharing the cursor's
 * score with a greater id (a stall check fails many jobs with one timestamp, so there can be
 * more than a batch of them), then up to BATCH with a greater score.
 */
async function failedAfter(
  redis: Redis,
  failedSet: string,
  cursor: SweepCursor | null,
  upTo: number,
): Promise<SweepCursor[]> {
  const found: SweepCursor[] = [];
  if (cursor !== null) {
    const ties = await redis.zrangebyscore(failedSet, cursor.score, cursor.score);
    // Redis orders equal scores by the members' bytes; job ids are ASCII, so < agrees.
    for (const id of ties) if (id > cursor.id) found.push({ score: cursor.score, id });
  }
  const from = cursor === null ? '-inf' : `(${cursor.score}`;
  if (cursor !== null && cursor.score >= upTo) return found;
  const reply = await redis.zrangebyscore(failedSet, from, upTo, 'WITHSCORES', 'LIMIT', 0, BATCH);
  for (let i = 0; i + 1 < reply.length; i += 2)
    found.push({ id: reply[i] as string, score: Number(reply[i + 1]) });
  return found;
}

function parseCursor(value: string | null): SweepCursor | null {
  if (value === null) return null;
  const space = value.indexOf(' ');
  const score = Number(value.slice(0, space));
  if (space < 0 || !Number.isFinite(score)) return null;
  return { score, id: value.slice(space + 1) };
}

async function closeFailedJob(
  options: { queue: Queue<AssetJobData>; runs: RunStore; workerId: string },
  jobId: string,
): Promise<void> {
  const job = await Job.fromId<AssetJobData>(options.queue, jobId);
  const parsed = jobDataSchema.safeParse(job?.data);
  if (!job || !parsed.success) return;
  const { runId, asset } = parsed.data;
  const state = await options.runs.assetState(runId, asset);
  if (state !== 'queued' && state !== 'running') return;
  const error = job.failedReason || 'the job failed';
  await options.runs.finish({
    runId,
    asset,
    outcome: 'failed',
    lease: undefined,
    info: { worker: options.workerId, endedAt: Date.now(), error },
    blockedReason: error,
  });
}
