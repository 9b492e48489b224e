import { Job, type Queue } from 'bullmq';
import type { RedisKeys } from './keys.ts';
import { jobDataSchema, type AssetJobData } from './queue.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { RunStore } from './run-store.ts';
import { membersAfter, readCursor, writeCursor } from './zset-cursor.ts';

/** Failed jobs examined per sweep; the next sweep continues where this one stopped. */
const BATCH = 100;
/**
 * A failed job is swept only once its score (its finish time, from the clock of the process
 * that failed it) is this far behind this worker's clock, so a job failed by a process whose
 * clock trails this one's by less than that cannot be placed behind the cursor.
 */
export const SWEEP_SETTLE_MS = 5_000;

/**
 * BullMQ fails a job by itself when it stalled more than maxStalledCount times (its workers kept
 * dying); no processor runs then, so its asset would stay running in the run forever. Workers
 * sweep the failed set (scored by finish time) in order with a cursor kept in Redis, so no
 * failure is ever too old to be swept: a worker starting after a long outage continues where
 * the last sweep stopped, and a fresh prefix starts at the beginning of the (bounded) failed
 * set. Failures the processor recorded itself are already terminal, and the run-state script
 * ignores repeats, so sweeping a job twice (two workers racing) changes nothing.
 *
 * A sweep costs a sorted-set range read; subscribing to BullMQ's event stream instead would
 * make every worker parse every event of every job.
 *
 * One sweep closes the run state of every failed job after the cursor (up to BATCH of them
 * past the cursor's own score) and moves the cursor past them. Returns how many it examined.
 */
export async function sweepFailedJobs(options: {
  queue: Queue<AssetJobData>;
  redis: RedisClient;
  keys: RedisKeys;
  runs: RunStore;
  workerId: string;
  settleMs?: number;
  now?: number;
}): Promise<number> {
  const failedSet = options.queue.keys.failed;
  if (failedSet === undefined) throw new Error('BullMQ queue has no failed-set key');
  const cursorKey = options.keys.failedSweepCursor(options.queue.name);
  const cursor = await readCursor(options.redis, cursorKey);
  const upTo = (options.now ?? Date.now()) - (options.settleMs ?? SWEEP_SETTLE_MS);
  const due = await membersAfter(options.redis, failedSet, cursor, upTo, BATCH);
  for (const job of due) {
    await closeFailedJob(options, job.member);
    await writeCursor(options.redis, cursorKey, job);
  }
  return due.length;
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
