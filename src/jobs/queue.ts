import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import type { AssetSpec } from '../config/types.ts';
import { backoffDelay } from '../shared/backoff.ts';
import { TransientError } from '../shared/errors.ts';
import type { OrchestratorSettings } from './settings.ts';

/** What enqueuing needs of an asset: its key, and how often a failure is retried. */
export type EnqueuedAsset = Pick<AssetSpec, 'key' | 'retries'>;

/** A job materializes one asset of one run; everything else lives in the run state. */
export const jobDataSchema = z.object({
  runId: z.string(),
  asset: z.string(),
  /** Times the job was put back because its asset's lease or a pool was taken. */
  waits: z.number().int().nonnegative().default(0),
});
export type AssetJobData = z.input<typeof jobDataSchema>;

/** BullMQ refuses ':' in custom ids; neither run ids nor asset keys contain '.'. */
export function jobIdFor(runId: string, asset: string): string {
  return `${runId}.${asset}`;
}

/** Name of the custom backoff the worker implements (see retryDelay). */
const BACKOFF_TYPE = 'strata';

/** Exponential with jitter from the shared backoff; a server's retry-after wins when longer. */
export function retryDelay(
  settings: OrchestratorSettings,
  attemptsMade: number,
  error?: Error,
): number {
  const delay = backoffDelay(attemptsMade, {
    initialMs: settings.retryBaseMs,
    maxMs: settings.retryMaxMs,
    factor: 2,
    jitter: 0.5,
  });
  const retryAfter = error instanceof TransientError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(delay, retryAfter);
}

/**
 * The asset queue as producers see it: enqueue assets of a run. Job ids are deterministic, so
 * enqueuing the same asset of the same run twice (a retried script, a re-run job) adds nothing.
 */
export class AssetQueue {
  readonly queue: Queue<AssetJobData>;

  constructor(
    connection: ConnectionOptions,
    private readonly settings: OrchestratorSettings,
  ) {
    this.queue = new Queue<AssetJobData>(settings.queueName, {
      connection,
      prefix: settings.queuePrefix,
    });
  }

  async enqueue(runId: string, assets: readonly EnqueuedAsset[]): Promise<void> {
    if (assets.length === 0) return;
    await this.queue.addBulk(
      assets.map((asset) => ({
        name: asset.key,
        data: { runId, asset: asset.key },
        opts: this.jobOptions(runId, asset),
      })),
    );
  }

  private jobOptions(runId: string, asset: EnqueuedAsset): JobsOptions {
    return {
      jobId: jobIdFor(runId, asset.key),
      attempts: asset.retries + 1,
      backoff: { type: BACKOFF_TYPE },
      // By count only: an age limit makes every completion scan for old jobs (measured: it
      // costs throughput), and the count already bounds Redis memory.
      removeOnComplete: { count: this.settings.keepCompletedJobs.count },
      removeOnFail: {
        count: this.settings.keepFailedJobs.count,
        age: this.settings.keepFailedJobs.ageSeconds,
      },
    };
  }

  async close(): Promise<void> {
    await closeQueue(this.queue);
  }
}

/**
 * Closes a BullMQ Queue built on a shared connection. BullMQ initialises a queue in the
 * background (INFO for the server version); closed before that answers, the queue drops its
 * listeners, and when the caller then closes the connection the pending INFO fails with no one
 * listening: an unhandled 'Connection is closed'. Seen on a Redis Cluster, where the first
 * command also waits for the slot map. Waiting for readiness first (errors are the queue's own
 * and reported where it is used) closes it in a settled state.
 */
export async function closeQueue(queue: {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}): Promise<void> {
  await queue.waitUntilReady().catch(() => undefined);
  await queue.close();
}
