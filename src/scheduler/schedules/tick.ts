import type { Job } from 'bullmq';
import type { LoadedPipeline } from '../../config/index.ts';
import { produceFromConfig } from '../../ingest/index.ts';
import { runIdFor, type Orchestrator } from '../../jobs/index.ts';
import type { RedisClient } from '../../redis/connection.ts';
import type { Logger } from '../../shared/logger.ts';
import type { TickData } from './plan.ts';

/** What one tick did, for logs, tests and the scheduler's callback. */
export interface ScheduleTick {
  schedule: string;
  /** BullMQ's id of the tick job: `repeat:<schedule>:<fire time>`, unique per tick. */
  jobId: string;
  /** The fire time the tick was for (ms since epoch), as BullMQ scheduled it. */
  at: number;
  /** The run a `select` schedule started (or found started by an earlier delivery). */
  runId?: string;
  /** False when this delivery repeated one that had already acted (a stalled tick). */
  created: boolean;
  /** Price messages a `task: produce` tick sent. */
  messages?: number;
}

export interface TickContext {
  orchestrator: Orchestrator;
  redis: RedisClient;
  /** The Strata key prefix: the produce guard lives under it. */
  keyPrefix: string;
  pipeline: () => LoadedPipeline;
  kafkaBrokers: string[];
  logger: Logger;
}

/** A produced tick is remembered this long; a stalled tick is re-delivered within seconds. */
const PRODUCED_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Acts on one tick of a schedule. BullMQ may deliver a tick twice (its worker stalled, the
 * lock expired, another worker took it over), so each action is idempotent on the tick's job
 * id: a `select` tick creates its run under a run id derived from the job id (a second
 * delivery finds that run), a `produce` tick claims the job id in Redis before sending.
 */
export async function runTick(job: Job<TickData>, context: TickContext): Promise<ScheduleTick> {
  const jobId = job.id ?? '';
  const data = job.data;
  const tick = { schedule: data.schedule, jobId, at: fireTimeOf(job) };
  if ('select' in data) {
    const { runId, created } = await context.orchestrator.submit({
      selection: data.select,
      trigger: 'schedule',
      reason: `schedule ${data.schedule}, tick of ${new Date(tick.at).toISOString()}`,
      runId: runIdFor(`${context.keyPrefix}${jobId}`, tick.at),
      pipeline: context.pipeline(),
    });
    return { ...tick, runId, created };
  }
  return { ...tick, ...(await produceOnce(jobId, context)) };
}

/**
 * At most once per tick: the claim is taken before sending, so a worker that dies mid-send
 * leaves the tick unsent rather than sent twice (prices are a stream; the next tick follows).
 * A send that fails releases the claim, so BullMQ's retry of the tick can send it.
 */
async function produceOnce(
  jobId: string,
  context: TickContext,
): Promise<{ created: boolean; messages?: number }> {
  const guard = `${context.keyPrefix}schedule:produced:${jobId}`;
  const claimed = await context.redis.set(guard, String(Date.now()), 'PX', PRODUCED_TTL_MS, 'NX');
  if (claimed !== 'OK') {
    context.logger.warn(
      { jobId },
      'tick re-delivered after its prices were sent; not sending again',
    );
    return { created: false };
  }
  try {
    const result = await produceFromConfig(context.pipeline(), {
      ticks: 1,
      kafkaBrokers: context.kafkaBrokers,
      clientId: 'strata-scheduler',
      logger: context.logger,
    });
    return { created: true, messages: result.messages };
  } catch (error) {
    await context.redis.del(guard);
    throw error;
  }
}

/** BullMQ names tick jobs `repeat:<scheduler id>:<fire time>` and keeps the time in prevMillis. */
function fireTimeOf(job: Job<TickData>): number {
  if (typeof job.opts.prevMillis === 'number') return job.opts.prevMillis;
  const fromId = Number(job.id?.split(':').at(-1));
  return Number.isFinite(fromId) ? fromId : job.timestamp;
}
