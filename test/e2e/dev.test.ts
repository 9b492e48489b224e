/**
 * Issue 10: `strata dev` on the shipped config, with its windows shortened through the
 * environment variables the config reads. Nobody calls `materialize`: the produce schedule
 * sends prices, ingest lands them and records an observation of raw_crypto_batches, and the
 * scheduler chains bronze, silver and gold into upstream runs until every asset is fresh.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnStrata } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';
import { Resources, createTestTopic, testKafka } from '../integration/ingest-support.ts';
import { isolatedShippedConfig } from '../helpers/shipped-config.ts';

const resources = new Resources();
afterAll(() => resources.release());

const ASSETS = ['raw_crypto_batches', 'crypto_raw', 'crypto_stage', 'crypto_curated'];

/** Windows of seconds instead of minutes and hours, read by config/pipeline.yaml. */
const SHORT_WINDOWS = {
  STRATA_PRODUCE_CRON: '*/2 * * * * *',
  STRATA_INGEST_MAX_AGE: '2s',
  STRATA_DBT_MIN_INTERVAL: '5s',
  STRATA_SCHEDULER_TICK: '2s',
};

interface StatusJson {
  assets: Array<{ key: string; dataTime: number | null; freshness: string }>;
}

interface RunJson {
  id: string;
  trigger: string;
  status: string;
  assets: string[];
}

describe('strata dev', () => {
  it('keeps the shipped pipeline fresh with nobody calling materialize, and stops cleanly on Ctrl-C', async () => {
    const topic = await createTestTopic(resources, testKafka(), 3);
    const { file, env: isolated } = await isolatedShippedConfig(resources, topic);
    const env = { ...isolated, ...SHORT_WINDOWS };
    const startedAt = Date.now();
    const dev = spawnStrata(['--config', file, 'dev', '--port', '0'], env);
    resources.add(async () => {
      if (dev.child.exitCode === null && dev.child.signalCode === null) {
        dev.child.kill('SIGKILL');
        await dev.exited;
      }
    });
    await waitFor('strata dev to listen', () => /listening on http/.test(dev.stdout()), 120_000);

    const readStatus = async (): Promise<StatusJson> => {
      const result = await runCli(['--config', file, 'status', '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as StatusJson;
    };
    // Gold built from prices produced after start, and every asset inside its policy.
    const fresh = await waitFor(
      'every asset fresh, gold holding data produced by this dev process',
      async () => {
        const status = await readStatus();
        const gold = status.assets.find((a) => a.key === 'crypto_curated');
        const allFresh = status.assets.every((a) => a.freshness === 'fresh');
        return allFresh && (gold?.dataTime ?? 0) >= startedAt ? status : undefined;
      },
      240_000,
      1_000,
    );
    expect(fresh.assets.map((a) => a.key)).toEqual(ASSETS);

    const runs = await runCli(['--config', file, 'runs', '--json', '--limit', '100'], { env });
    expect(runs.code, runs.stderr).toBe(0);
    const all = JSON.parse(runs.stdout) as RunJson[];
    expect(all.length).toBeGreaterThan(0);
    expect(
      all.every((r) => r.trigger !== 'manual'),
      JSON.stringify(all),
    ).toBe(true);
    // The dbt chain runs as one upstream run (bronze, silver and gold together), not three.
    const chained = all.find(
      (r) =>
        r.trigger === 'upstream' &&
        r.status === 'succeeded' &&
        ['crypto_raw', 'crypto_stage', 'crypto_curated'].every((a) => r.assets.includes(a)),
    );
    expect(chained, JSON.stringify(all)).toBeDefined();

    dev.child.kill('SIGINT');
    expect(await dev.exited, dev.stderr()).toBe(0);
    expect(dev.output()).toMatch(/"msg":"stopping"/);
  }, 360_000);
});
