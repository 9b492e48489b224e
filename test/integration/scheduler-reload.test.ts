import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/index.ts';
import { SchedulerKeys } from '../../src/scheduler/keys.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { ScheduleService } from '../../src/scheduler/schedules/index.ts';
import { AutomationStore } from '../../src/scheduler/state.ts';
import { readSchedulerStatus } from '../../src/scheduler/status.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { serviceSettings } from '../../src/shared/settings.ts';
import { waitFor } from '../helpers/wait.ts';
import { capturingLogger } from './ingest-support.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

const config = (minInterval: string): string => `version: 1
scheduler: { debounce: 100ms, tick: 500ms, leaseTtl: 3s }
assets:
  root: { kind: noop }
  child:
    kind: noop
    deps: [root]
    automation: { onUpstream: true, onFreshness: false, minInterval: ${minInterval} }
`;

describe('the scheduler takes config edits while running (real Redis, file watching)', () => {
  let sandbox: Sandbox;
  let scheduler: Scheduler | undefined;
  let standby: Scheduler | undefined;

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    await standby?.close();
    await scheduler?.close();
    standby = undefined;
    await sandbox.cleanup();
  });

  it('applies a valid edit, keeps the last good config on an invalid one and reports its position until fixed', async () => {
    const file = sandbox.writeConfig(config('1m'));
    const env = { ...process.env, ...sandbox.env };
    const pipeline = await loadPipeline(file, env);
    const orchestrator = await sandbox.connect(pipeline);
    const keys = new SchedulerKeys(sandbox.settings.keyPrefix);
    scheduler = await Scheduler.start({
      file,
      pipeline,
      redisUrl: serviceSettings().redisUrl,
      settings: sandbox.settings,
      logger: createLogger('test-scheduler', 'silent'),
    });
    const status = () => readSchedulerStatus(orchestrator.redis, keys, pipeline, sandbox.settings);
    await waitFor('the leader to publish its config', async () => (await status()).applied);
    const first = (await status()).applied!.hash;

    writeFileSync(file, config('5s'));
    const applied = await waitFor('the edit to be applied', async () => {
      const s = await status();
      return s.applied?.hash !== first && s.applied;
    });
    expect(scheduler.pipeline.assets.get('child')?.automation.minIntervalMs).toBe(5_000);
    expect((await status()).differsFromLeader).toBe(true); // this test's `pipeline` is the old file

    writeFileSync(file, config('5s').replace('minInterval: 5s', 'minInterval: soon'));
    const broken = await waitFor(
      'the invalid edit to be reported',
      async () => (await status()).configError,
    );
    expect(broken.message).toMatch(
      /pipeline\.yaml:8:\d+: assets\.child\.automation\.minInterval: must be a duration/,
    );
    expect((await status()).applied?.hash).toBe(applied.hash);
    expect(scheduler.pipeline.assets.get('child')?.automation.minIntervalMs).toBe(5_000);

    writeFileSync(file, config('7s'));
    await waitFor('the fix to clear the error', async () => {
      const s = await status();
      return s.configError === undefined && s.applied?.hash !== applied.hash;
    });
    expect(scheduler.pipeline.assets.get('child')?.automation.minIntervalMs).toBe(7_000);
  });

  it("publishes only the leader's config error: a standby's broken file is its own, until it leads", async () => {
    const file = sandbox.writeConfig(config('1m'));
    const standbyFile = sandbox.writeConfig(config('1m'), 'standby.yaml');
    const env = { ...process.env, ...sandbox.env };
    const pipeline = await loadPipeline(file, env);
    const orchestrator = await sandbox.connect(pipeline);
    const keys = new SchedulerKeys(sandbox.settings.keyPrefix);
    const store = new AutomationStore(orchestrator.redis, orchestrator.keys, keys);
    const common = {
      redisUrl: serviceSettings().redisUrl,
      settings: sandbox.settings,
    };
    scheduler = await Scheduler.start({
      ...common,
      file,
      pipeline,
      logger: createLogger('test-leader', 'silent'),
    });
    const status = () => readSchedulerStatus(orchestrator.redis, keys, pipeline, sandbox.settings);
    await waitFor('the leader to publish its config', async () => (await status()).applied);
    const { logger: standbyLogger, lines } = capturingLogger();
    standby = await Scheduler.start({
      ...common,
      file: standbyFile,
      pipeline: await loadPipeline(standbyFile, env),
      logger: standbyLogger,
    });
    expect(standby.isLeader).toBe(false);

    writeFileSync(standbyFile, config('soon'));
    const rejected = await waitFor('the standby to log its rejected edit', () =>
      lines.find((l) => l.msg === 'config edit rejected; the last good config keeps running'),
    );
    expect(String(rejected.error)).toMatch(/standby\.yaml:8:\d+: .*minInterval/);
    // A leader's evaluation after the rejection: the standby has had its turn to publish.
    const since = Date.now();
    await waitFor('an evaluation by the leader', async () => {
      const d = (await store.latestDecisions()).get('child');
      return d !== undefined && d.at > since;
    });
    expect((await status()).configError).toBeUndefined();

    // The standby leads: now its file's error is the leader's, shown to everyone.
    await scheduler.close();
    scheduler = undefined;
    const published = await waitFor(
      'the new leader to publish its error',
      async () => (await status()).configError,
    );
    expect(standby.isLeader).toBe(true);
    expect(published.message).toMatch(/standby\.yaml:8:\d+: .*minInterval/);
  });

  it('moves a schedule when its cron is edited in the file, keeps it through an invalid cron, and removes it with the schedule', async () => {
    const withSchedule = (cron: string): string =>
      `${config('1m')}schedules:\n  nightly: { cron: '${cron}', timezone: UTC, select: root }\n`;
    const file = sandbox.writeConfig(withSchedule('0 0 1 1 *'));
    const env = { ...process.env, ...sandbox.env };
    const pipeline = await loadPipeline(file, env);
    const orchestrator = await sandbox.connect(pipeline);
    const keys = new SchedulerKeys(sandbox.settings.keyPrefix);
    const redisUrl = serviceSettings().redisUrl;
    const logger = createLogger('test-scheduler', 'silent');
    // Wired as `strata scheduler` wires them: the tick worker, and the leader reconciling.
    const schedules = await ScheduleService.start({
      redisUrl,
      prefix: sandbox.settings.keyPrefix,
      settings: sandbox.settings,
      pipeline: () => scheduler?.pipeline ?? pipeline,
      logger,
    });
    scheduler = await Scheduler.start({
      file,
      pipeline,
      redisUrl,
      settings: sandbox.settings,
      logger,
      schedules,
    });
    const nightly = async () =>
      (
        await readSchedulerStatus(orchestrator.redis, keys, pipeline, sandbox.settings)
      ).schedules.find((s) => s.name === 'nightly');
    const january = await waitFor('the schedule in BullMQ', async () => (await nightly())?.next);
    expect(new Date(january).toISOString()).toMatch(/-01-01T00:00:00\.000Z$/);

    writeFileSync(file, withSchedule('0 12 1 7 *'));
    const july = await waitFor('the edited cron to move the next tick', async () => {
      const next = (await nightly())?.next;
      return next !== undefined && next !== january && next;
    });
    expect(new Date(july).toISOString()).toMatch(/-07-01T12:00:00\.000Z$/);

    writeFileSync(file, withSchedule('every day at noon'));
    const status = () => readSchedulerStatus(orchestrator.redis, keys, pipeline, sandbox.settings);
    const broken = await waitFor(
      'the invalid cron reported',
      async () => (await status()).configError,
    );
    expect(broken.message).toMatch(/pipeline\.yaml:\d+:\d+: schedules\.nightly\.cron/);
    expect((await nightly())?.next).toBe(july);

    writeFileSync(file, config('1m'));
    await waitFor(
      'the removed schedule gone from BullMQ',
      async () => (await nightly()) === undefined,
    );
    expect((await status()).configError).toBeUndefined();
  });
});
