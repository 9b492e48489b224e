/**
 * GET /api/status answers what `strata status --json` prints, and shows a rejected config edit
 * (with its position) while the scheduler keeps the last good config, until the file is fixed.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/index.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { serviceSettings } from '../../src/shared/settings.ts';
import type { StatusReport } from '../../src/status/report.ts';
import { runCli, spawnStrata, type StrataProcess } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';
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

describe('GET /api/status (real Redis, a scheduler and `strata serve`)', () => {
  let sandbox: Sandbox;
  let scheduler: Scheduler | undefined;
  let serve: StrataProcess | undefined;

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    await scheduler?.close();
    await sandbox.cleanup();
  });

  it('answers what `strata status --json` prints, and shows a rejected config edit until it is fixed', async () => {
    const file = sandbox.writeConfig(config('1m'));
    const pipeline = await loadPipeline(file, { ...process.env, ...sandbox.env });
    scheduler = await Scheduler.start({
      file,
      pipeline,
      redisUrl: serviceSettings().redisUrl,
      settings: sandbox.settings,
      logger: createLogger('test-scheduler', 'silent'),
    });
    serve = spawnStrata(['-c', file, 'serve', '--port', '0'], sandbox.env);
    const running = serve;
    const url = await waitFor(
      'strata serve to listen',
      () => /listening on (http:\/\/\S+)/.exec(running.stdout())?.[1],
      30_000,
    );
    const status = async (): Promise<StatusReport> => {
      const response = await fetch(`${url}/api/status`);
      expect(response.status).toBe(200);
      return (await response.json()) as StatusReport;
    };

    const led = await waitFor('the leader to publish its config', async () => {
      const s = await status();
      return s.scheduler.applied !== undefined && s;
    });
    expect(led.assets.map((a) => [a.key, a.freshness])).toEqual([
      ['root', 'unknown'],
      ['child', 'unknown'],
    ]);
    expect(led.scheduler.configError).toBeUndefined();
    const cli = await runCli(['-c', file, 'status', '--json'], { env: sandbox.env });
    expect(cli.code, cli.stderr).toBe(0);
    const printed = JSON.parse(cli.stdout) as StatusReport;
    expect(Object.keys(printed).sort()).toEqual(['assets', 'monitoring', 'scheduler']);
    expect(printed.assets).toEqual(led.assets);
    expect(printed.scheduler.applied).toEqual(led.scheduler.applied);

    writeFileSync(file, config('soon'));
    const broken = await waitFor(
      'the rejected edit in /api/status',
      async () => (await status()).scheduler.configError,
    );
    expect(broken.message).toMatch(
      /pipeline\.yaml:8:\d+: assets\.child\.automation\.minInterval: must be a duration/,
    );

    writeFileSync(file, config('7s'));
    await waitFor(
      'the fix to clear the error in /api/status',
      async () => (await status()).scheduler.configError === undefined,
    );
  });
});
