import { Queue } from 'bullmq';
import type { LoadedPipeline } from '../config/load.ts';
import type { RedisClient } from '../redis/connection.ts';
import { closeQueue } from '../jobs/queue.ts';
import type { OrchestratorSettings } from '../jobs/settings.ts';
import type { SchedulerKeys } from './keys.ts';
import { schedulesQueueName, type NextFireTime } from './schedules/index.ts';
import type { StoredDecision } from './state.ts';

/** What `strata status` and /api/status show of the scheduler. */
export interface SchedulerStatus {
  /** The holder of the leader lease, if any scheduler runs. */
  leader: string | undefined;
  /** The config the leader applied last. */
  applied: { hash: string; file: string; appliedAt: number } | undefined;
  /** The leader's latest rejected edit, until it applies a valid one (standbys publish none). */
  configError: { message: string; at: number } | undefined;
  /** This process's config file hash differs from the leader's applied one. */
  differsFromLeader: boolean;
  localHash: string;
  decisions: StoredDecision[];
  /** Each cron schedule's next tick as BullMQ will fire it. */
  schedules: NextFireTime[];
}

export async function readSchedulerStatus(
  redis: RedisClient,
  keys: SchedulerKeys,
  pipeline: LoadedPipeline,
  settings: Pick<OrchestratorSettings, 'keyPrefix' | 'queuePrefix'>,
): Promise<SchedulerStatus> {
  const [leaderToken, config, decisions, schedules] = await Promise.all([
    redis.get(keys.leader()),
    redis.hgetall(keys.config()),
    redis.hgetall(keys.decision()),
    readNextFireTimes(redis, settings),
  ]);
  const applied = config.hash
    ? { hash: config.hash, file: config.file ?? '', appliedAt: Number(config.appliedAt ?? 0) }
    : undefined;
  return {
    // Lease tokens are "<holder>/<nonce>": the holder part names the process.
    leader: leaderToken ? leaderToken.slice(0, leaderToken.lastIndexOf('/')) : undefined,
    applied,
    configError: config.error
      ? { message: config.error, at: Number(config.errorAt ?? 0) }
      : undefined,
    differsFromLeader: applied !== undefined && applied.hash !== pipeline.sourceHash,
    localHash: pipeline.sourceHash,
    schedules,
    decisions: pipeline.graph.order.flatMap((key) => {
      const raw = decisions[key];
      return raw ? [JSON.parse(raw) as StoredDecision] : [];
    }),
  };
}

/** The job schedulers BullMQ holds, read-only: what will fire, whether or not a scheduler runs. */
async function readNextFireTimes(
  redis: RedisClient,
  settings: Pick<OrchestratorSettings, 'keyPrefix' | 'queuePrefix'>,
): Promise<NextFireTime[]> {
  const queue = new Queue(schedulesQueueName(settings.keyPrefix), {
    connection: redis,
    prefix: settings.queuePrefix,
  });
  try {
    const schedulers = await queue.getJobSchedulers(0, -1, true);
    return schedulers.map((s) => ({
      name: s.key,
      next: s.next ?? undefined,
      cron: s.pattern ?? '',
      timezone: s.tz ?? 'UTC',
    }));
  } finally {
    await closeQueue(queue);
  }
}

export function formatSchedulerStatus(status: SchedulerStatus, now = Date.now()): string {
  const lines = ['Scheduler'];
  lines.push(`  leader: ${status.leader ?? 'none running'}`);
  if (status.applied) {
    lines.push(
      `  config: ${status.applied.hash} applied ${new Date(status.applied.appliedAt).toISOString()}` +
        (status.differsFromLeader
          ? ` — this file (${status.localHash}) differs from the leader's: replicas disagree until it reloads`
          : ''),
    );
  }
  if (status.configError) {
    lines.push(`  config error (the last good config keeps running):`);
    for (const line of status.configError.message.split('\n').slice(0, 10))
      lines.push(`    ${line}`);
  }
  for (const s of status.schedules) {
    const next = s.next === undefined ? 'no next tick' : `next ${new Date(s.next).toISOString()}`;
    lines.push(`  schedule ${s.name}: '${s.cron}' (${s.timezone}), ${next}`);
  }
  if (status.decisions.length > 0) {
    lines.push('  last decisions:');
    for (const d of status.decisions) {
      const ago = Math.max(0, Math.round((now - d.at) / 1000));
      lines.push(
        `    ${d.asset}: ${d.action}${d.trigger ? ` (${d.trigger})` : ''}, ${ago}s ago: ${d.reason}`,
      );
    }
  }
  return lines.join('\n');
}
