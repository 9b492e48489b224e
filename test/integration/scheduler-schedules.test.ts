import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedPipeline } from '../../src/config/index.ts';
import { runIdFor, type RunRecord } from '../../src/jobs/index.ts';
import {
  nextFireTime,
  runTick,
  schedulesQueueName,
  ScheduleService,
  type ScheduleTick,
  type TickData,
} from '../../src/scheduler/schedules/index.ts';
import { createLogger, type Logger } from '../../src/shared/logger.ts';
import { serviceSettings } from '../../src/shared/settings.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  capturingLogger,
  createTestTopic,
  endOffsets,
  Resources,
  testKafka,
} from './ingest-support.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

const EVERY_SECOND = `version: 1
assets:
  source:
    kind: noop
  sink:
    kind: noop
    deps: [source]
schedules:
  each_second:
    cron: '* * * * * *'
    select: source+
`;

const YEARLY = (cron: string, timezone = 'UTC'): string => `version: 1
assets:
  source:
    kind: noop
schedules:
  yearly:
    cron: '${cron}'
    timezone: ${timezone}
    select: source
`;

const NO_SCHEDULES = `version: 1
assets:
  source:
    kind: noop
`;

const logger = createLogger('test-schedules', 'silent');

/** Scheduled runs in the sandbox, read from the run store. */
async function scheduledRuns(sandbox: Sandbox, pipeline: LoadedPipeline): Promise<RunRecord[]> {
  const orchestrator = await sandbox.connect(pipeline);
  return (await orchestrator.runs.list(10_000)).filter((run) => run.trigger === 'schedule');
}

describe('cron schedules as BullMQ job schedulers (real Redis, real BullMQ)', () => {
  let sandbox: Sandbox;
  const services: ScheduleService[] = [];

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    for (const service of services.splice(0)) await service.close();
    await sandbox.cleanup();
  });

  async function start(
    pipeline: LoadedPipeline,
    onTick?: (tick: ScheduleTick) => void,
    serviceLogger: Logger = logger,
  ): Promise<ScheduleService> {
    const service = await ScheduleService.start({
      redisUrl: serviceSettings().redisUrl,
      prefix: sandbox.settings.keyPrefix,
      pipeline: () => pipeline,
      logger: serviceLogger,
      onTick,
      settings: sandbox.settings,
    });
    services.push(service);
    return service;
  }

  function queue(): Queue<TickData> {
    return new Queue<TickData>(schedulesQueueName(sandbox.settings.keyPrefix), {
      connection: { url: serviceSettings().redisUrl },
      prefix: sandbox.settings.queuePrefix,
    });
  }

  it('fires a seconds schedule on time, one run per tick, with two tick workers running', async () => {
    const pipeline = sandbox.pipeline(EVERY_SECOND);
    const ticks: (ScheduleTick & { seenAt: number; by: string })[] = [];
    const record = (by: string) => (tick: ScheduleTick) =>
      ticks.push({ ...tick, seenAt: Date.now(), by });
    const leader = await start(pipeline, record('a'));
    await start(pipeline, record('b'));
    const changes = await leader.reconcile(pipeline);
    expect(changes.map((c) => c.description)).toEqual([
      "schedule each_second added: cron '* * * * * *' (UTC), select 'source+'",
    ]);
    await waitFor('six ticks', () => ticks.length >= 6, 30_000);
    for (const service of services.splice(0)) await service.close();

    const fireTimes = ticks.map((t) => t.at);
    expect(new Set(fireTimes).size).toBe(ticks.length); // no tick acted on twice
    for (const tick of ticks) {
      expect(tick.at % 1000).toBe(0); // on the second, as the cron says
      expect(tick.seenAt).toBeGreaterThanOrEqual(tick.at); // never early
      expect(tick.created).toBe(true);
    }
    // On time: half the ticks within a second of their fire time, all within five (2 busy cores).
    const lateness = ticks.map((t) => t.seenAt - t.at).sort((x, y) => x - y);
    expect(lateness[Math.floor(lateness.length / 2)]).toBeLessThan(1_000);
    expect(lateness.at(-1)).toBeLessThan(5_000);

    const runs = await scheduledRuns(sandbox, pipeline);
    expect(runs).toHaveLength(ticks.length);
    expect(new Set(runs.map((r) => r.id))).toEqual(new Set(ticks.map((t) => t.runId)));
    for (const run of runs) {
      expect(run.selection).toBe('source+');
      expect(run.assets).toEqual(['source', 'sink']);
      expect(run.reason).toMatch(/^schedule each_second, tick of /);
    }
  });

  it('starts no second run when a stalled tick is delivered again', async () => {
    const pipeline = sandbox.pipeline(EVERY_SECOND);
    const leader = await start(pipeline);
    await leader.reconcile(pipeline);
    await leader.close();
    services.splice(0);

    // A process takes the next tick, starts its run, and dies before completing the job: it
    // never renews the job's lock (a manual BullMQ worker, which renews nothing).
    const token = randomUUID();
    const crashed = new Worker<TickData>(schedulesQueueName(sandbox.settings.keyPrefix), null, {
      connection: { url: serviceSettings().redisUrl, maxRetriesPerRequest: null },
      prefix: sandbox.settings.queuePrefix,
      lockDuration: sandbox.settings.lockDurationMs,
    });
    const redis = new Redis(serviceSettings().redisUrl);
    try {
      const job = await waitFor(
        'a tick taken',
        async () => await crashed.getNextJob(token, { block: true }),
      );
      const first = await runTick(job, {
        orchestrator: await sandbox.connect(pipeline),
        redis,
        keyPrefix: sandbox.settings.keyPrefix,
        pipeline: () => pipeline,
        kafkaBrokers: [],
        logger,
      });
      expect(first.created).toBe(true);
      expect(first.runId).toBe(runIdFor(`${sandbox.settings.keyPrefix}${job.id}`, first.at));

      // BullMQ finds the job stalled once its lock expires and a live worker takes it over.
      const redelivered = new Promise<ScheduleTick>((resolve) => {
        void start(pipeline, (tick) => {
          if (tick.jobId === job.id) resolve(tick);
        });
      });
      const second = await redelivered;
      expect(second.created).toBe(false);
      expect(second.runId).toBe(first.runId);
      const runs = await scheduledRuns(sandbox, pipeline);
      expect(runs.filter((r) => r.id === first.runId)).toHaveLength(1);
      expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    } finally {
      await crashed.close();
      redis.disconnect();
    }
  });

  it('reconciles: a changed cron moves the next fire time, unchanged is left alone, removed is gone; each change is logged once', async () => {
    const first = sandbox.pipeline(YEARLY('0 0 1 1 *'));
    const { logger: serviceLogger, lines } = capturingLogger();
    const service = await start(first, undefined, serviceLogger);
    const changeLines = (): string[] =>
      lines.filter((l) => typeof l.change === 'string').map((l) => String(l.msg));
    const q = queue();
    try {
      await service.reconcile(first);
      const [before] = await service.nextFireTimes();
      expect(before?.name).toBe('yearly');
      expect(before?.next).toBe(nextFireTime('0 0 1 1 *', 'UTC', Date.now()));
      expect(changeLines()).toEqual([
        `schedule yearly added: cron '0 0 1 1 *' (UTC), select 'source' (next ${new Date(before!.next!).toISOString()})`,
      ]);
      const pending = await q.getJob(`repeat:yearly:${before?.next}`);
      expect(pending?.timestamp).toBeGreaterThan(0);

      // Unchanged: no upsert, so the pending tick is the very job that was there.
      expect(await service.reconcile(sandbox.pipeline(YEARLY('0 0 1 1 *')))).toEqual([]);
      expect((await q.getJob(`repeat:yearly:${before?.next}`))?.timestamp).toBe(pending?.timestamp);

      const moved = sandbox.pipeline(YEARLY('0 12 1 7 *', 'Europe/Berlin'));
      const changes = await service.reconcile(moved);
      expect(changes.map((c) => c.description)).toEqual([
        "schedule yearly: cron '0 0 1 1 *' -> '0 12 1 7 *', timezone UTC -> Europe/Berlin",
      ]);
      const [after] = await service.nextFireTimes();
      expect(after).toEqual({
        name: 'yearly',
        cron: '0 12 1 7 *',
        timezone: 'Europe/Berlin',
        next: nextFireTime('0 12 1 7 *', 'Europe/Berlin', Date.now()),
      });
      // Replaced in place: one pending tick, the new one.
      expect((await q.getDelayed()).map((j) => j.id)).toEqual([`repeat:yearly:${after?.next}`]);
      expect(changeLines().at(-1)).toBe(
        `schedule yearly: cron '0 0 1 1 *' -> '0 12 1 7 *', timezone UTC -> Europe/Berlin (next ${new Date(after!.next!).toISOString()})`,
      );

      const removed = await service.reconcile(sandbox.pipeline(NO_SCHEDULES));
      expect(removed).toEqual([
        {
          name: 'yearly',
          kind: 'removed',
          description: "schedule yearly removed (was cron '0 12 1 7 *')",
        },
      ]);
      expect(await q.getJobScheduler('yearly')).toBeUndefined();
      expect(await service.nextFireTimes()).toEqual([]);
      expect(await q.getDelayedCount()).toBe(0);
      // added, changed, removed: one line each, the unchanged reconcile logged nothing.
      expect(changeLines()).toHaveLength(3);
      expect(changeLines().at(-1)).toBe("schedule yearly removed (was cron '0 12 1 7 *')");
    } finally {
      await q.close();
    }
  });

  it('fires a tick missed while no worker ran once on recovery, then keeps to the schedule', async () => {
    const pipeline = sandbox.pipeline(EVERY_SECOND);
    const leader = await start(pipeline);
    await leader.reconcile(pipeline);
    await leader.close();
    services.splice(0);
    const q = queue();
    const pending = (await q.getJobScheduler('each_second'))?.next;
    await q.close();
    expect(pending).toBeGreaterThan(0);
    const overdue = pending as number;

    // Nothing runs while three more fire times pass.
    await waitFor('three fire times to pass', () => Date.now() > overdue + 3_000, 10_000, 100);
    const recoveredAt = Date.now();
    const ticks: ScheduleTick[] = [];
    await start(pipeline, (tick) => ticks.push(tick));
    await waitFor('three ticks after recovery', () => ticks.length >= 3, 30_000);

    // The overdue tick fires once; the ones missed after it are not replayed; the next tick is
    // the next fire time after the recovery.
    expect(ticks[0]?.at).toBe(overdue);
    expect(ticks.filter((t) => t.at < recoveredAt).map((t) => t.at)).toEqual([overdue]);
    expect(ticks[1]?.at).toBeGreaterThan(recoveredAt);
    const runs = await scheduledRuns(sandbox, pipeline);
    expect(runs.filter((r) => r.createdAt < recoveredAt)).toHaveLength(0);
  });

  it('a produce schedule sends one tick of prices per tick, and a stalled tick once', async () => {
    const resources = new Resources();
    try {
      const topic = await createTestTopic(resources, testKafka(), 1);
      const pipeline = sandbox.pipeline(`version: 1
assets:
  source:
    kind: noop
kafka:
  topic: ${topic.topic}
  partitions: 1
produce:
  source: simulated
  coins: [bitcoin, ethereum]
schedules:
  prices:
    cron: '* * * * * *'
    task: produce
`);
      const leader = await start(pipeline);
      await leader.reconcile(pipeline);
      await leader.close();
      services.splice(0);

      // As above: a process takes a tick, sends its prices and dies before completing the job.
      const crashed = new Worker<TickData>(schedulesQueueName(sandbox.settings.keyPrefix), null, {
        connection: { url: serviceSettings().redisUrl, maxRetriesPerRequest: null },
        prefix: sandbox.settings.queuePrefix,
        lockDuration: sandbox.settings.lockDurationMs,
      });
      const redis = new Redis(serviceSettings().redisUrl);
      resources.add(async () => {
        await crashed.close();
        redis.disconnect();
      });
      const job = await waitFor('a tick taken', () =>
        crashed.getNextJob(randomUUID(), { block: true }),
      );
      const first = await runTick(job, {
        orchestrator: await sandbox.connect(pipeline),
        redis,
        keyPrefix: sandbox.settings.keyPrefix,
        pipeline: () => pipeline,
        kafkaBrokers: serviceSettings().kafkaBrokers,
        logger,
      });
      expect(first).toMatchObject({ created: true, messages: 2 });

      const ticks: ScheduleTick[] = [];
      await start(pipeline, (tick) => ticks.push(tick));
      await waitFor('the stalled tick and two more', () => {
        const again = ticks.some((t) => t.jobId === job.id);
        return again && ticks.filter((t) => t.jobId !== job.id).length >= 2;
      });
      for (const service of services.splice(0)) await service.close();

      expect(ticks.find((t) => t.jobId === job.id)).toMatchObject({ created: false });
      const sent = ticks.filter((t) => t.jobId !== job.id);
      for (const tick of sent) expect(tick).toMatchObject({ created: true, messages: 2 });
      // Two prices per tick that sent, the stalled one counted once.
      const offsets = await endOffsets(topic);
      expect([...offsets.values()].reduce((a, b) => a + b, 0)).toBe(2 * (sent.length + 1));
    } finally {
      await resources.release();
    }
  });
});
