import { Job, type Queue } from 'bullmq';
import type { Logger } from '../shared/logger.ts';
import { jobDataSchema, type AssetJobData } from './queue.ts';
import type { Redis } from './redis.ts';
import type { RunStore } from './run-store.ts';

/** How far back a starting worker looks, so failures while no worker ran are closed too. */
const INITIAL_LOOKBACK_MS = 3_600_000;
/** Failed jobs examined per sweep; the next sweep continues where this one stopped. */
const BATCH = 100;

/**
 * BullMQ fails a job by itself when it stalled more than maxStalledCount times (its workers kept
 * dying); no processor runs then, so its asset would stay running in the run forever. Every
 * worker sweeps the failed set (scored by finish time) for jobs that entered it since its last
 * look and fails their asset in the run. Failures the processor recorded itself are already
 * terminal, and the run-state script ignores repeats, so sweeping twice changes nothing.
 *
 * A sweep costs one sorted-set range read; subscribing to BullMQ's event stream instead would
 * make every worker parse every event of every job.
 */
export function startFailedJobSweeper(options: {
  queue: Queue<AssetJobData>;
  redis: Redis;
  runs: RunStore;
  intervalMs: number;
  workerId: string;
  logger: Logger;
}): { stop(): Promise<void> } {
  const failedSet = options.queue.keys.failed;
  if (failedSet === undefined) throw new Error('BullMQ queue has no failed-set key');
  let since = Date.now() - INITIAL_LOOKBACK_MS;
  let running: Promise<void> = Promise.resolve();
  const sweep = async (): Promise<void> => {
    const ids = await options.redis.zrangebyscore(
      failedSet,
      since,
      '+inf',
      'WITHSCORES',
      'LIMIT',
      0,
      BATCH,
    );
    for (let i = 0; i + 1 < ids.length; i += 2) {
      await closeFailedJob(options, ids[i] as string);
      since = Math.max(since, Number(ids[i + 1]));
    }
  };
  const timer = setInterval(() => {
    running = running
      .then(sweep)
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
