import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/config/index.ts';
import { paddedOffset } from '../../src/ingest/layout.ts';
import { assetStatuses } from '../../src/jobs/index.ts';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { runCli } from '../helpers/cli.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';

const SHIPPED_CONFIG = path.join(PROJECT_ROOT, 'config', 'pipeline.yaml');
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'lake');
const SHIPPED_ORDER = ['raw_crypto_batches', 'crypto_raw', 'crypto_stage', 'crypto_curated'];

/**
 * Lands fixture records as ingest would, moved in time so the newest is `newestAt` (the
 * shipped policies judge freshness against now: gold fails after 2 hours). Records keep their
 * spacing and Kafka coordinates and go to the day partition of their new last_updated.
 */
function landShifted(sets: string[], lakeRoot: string, newestAt: number): number {
  const lines = sets.flatMap((set) =>
    jsonlFiles(path.join(FIXTURES, set)).flatMap((f) =>
      readFileSync(f, 'utf8').split('\n').filter(Boolean),
    ),
  );
  const records = lines.map(
    (l) =>
      JSON.parse(l) as Record<string, unknown> & {
        last_updated: string;
        kafka_partition: number;
        kafka_offset: number;
      },
  );
  const newest = Math.max(...records.map((r) => Date.parse(r.last_updated)));
  const shift = newestAt - newest;
  const moved = (iso: unknown): string => new Date(Date.parse(String(iso)) + shift).toISOString();
  const objects = new Map<string, string[]>();
  for (const r of records) {
    const updated = moved(r.last_updated);
    const shifted = {
      ...r,
      last_updated: updated,
      kafka_timestamp: moved(r.kafka_timestamp),
      ingested_at: moved(r.ingested_at),
    };
    const [y, m, d] = updated.slice(0, 10).split('-');
    const dir = path.join(lakeRoot, 'crypto_data', `year=${y}`, `month=${m}`, `day=${d}`);
    const key = `${dir}|${r.kafka_partition}`;
    objects.set(key, [...(objects.get(key) ?? []), JSON.stringify(shifted)]);
  }
  for (const [key, body] of objects) {
    const [dir, partition] = key.split('|') as [string, string];
    const first = JSON.parse(body[0]!) as { kafka_offset: number };
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(
        dir,
        `selected_crypto_data+${partition}+${paddedOffset(String(first.kafka_offset))}.jsonl`,
      ),
      `${body.join('\n')}\n`,
    );
  }
  return records.length;
}

function jsonlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.jsonl'))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the shipped graph on real dbt and DuckDB', () => {
  let sandbox: Sandbox;
  const savedDataDir = process.env.STRATA_DATA_DIR;

  beforeEach(() => {
    sandbox = createSandbox({ STRATA_LEASE_TTL_MS: '10000', STRATA_LOCK_DURATION_MS: '30000' });
    sandbox.env.STRATA_DATA_DIR = sandbox.dir;
    // The in-process worker's dbt invocations keep their run dirs under STRATA_DATA_DIR.
    process.env.STRATA_DATA_DIR = sandbox.dir;
  });

  afterEach(async () => {
    await sandbox.cleanup();
  });

  afterAll(() => {
    if (savedDataDir === undefined) delete process.env.STRATA_DATA_DIR;
    else process.env.STRATA_DATA_DIR = savedDataDir;
  });

  it('materializes the four assets in order from ingested files, with their checks and status', async () => {
    const landed = landShifted(['clean'], path.join(sandbox.dir, 'lake'), Date.now() - 10 * 60_000);
    const pipeline = await loadPipeline(SHIPPED_CONFIG, { ...process.env, ...sandbox.env });
    expect(pipeline.engine.duckdbPath).toBe(path.join(sandbox.dir, 'warehouse.duckdb'));
    const orchestrator = await sandbox.connect(pipeline);
    await sandbox.startWorker(pipeline, { concurrency: 2 });
    const { runId, assets } = await orchestrator.submit({ selection: '*' });
    expect(assets).toEqual(SHIPPED_ORDER);
    const started: string[] = [];
    const run = await orchestrator.waitForRun(runId, {
      onEvent: (e) => e.type === 'asset_started' && started.push(e.asset!),
    });

    expect(run.status).toBe('succeeded');
    expect(started).toEqual(SHIPPED_ORDER);
    const [raw] = await orchestrator.events.materializations('raw_crypto_batches');
    expect(raw?.metadata).toMatchObject({
      records: expect.any(Number) as number,
      objects: expect.any(Number) as number,
    });
    expect(raw?.checks).toEqual([
      expect.objectContaining({ name: 'has_records', status: 'passed', source: 'yaml' }),
    ]);

    const [bronze] = await orchestrator.events.materializations('crypto_raw');
    expect(bronze?.metadata.rows).toBe(landed);
    expect(bronze?.checks.length).toBeGreaterThanOrEqual(11);
    expect(bronze?.checks.every((c) => c.source === 'dbt' && c.status === 'passed')).toBe(true);
    expect(bronze?.dataTime).toBe(raw?.dataTime);

    const [gold] = await orchestrator.events.materializations('crypto_curated');
    expect(gold?.checks.find((c) => c.name === 'gold_is_fresh')).toMatchObject({
      source: 'yaml',
      status: 'passed',
    });
    const goldTests = gold?.checks.filter((c) => c.source === 'dbt') ?? [];
    expect(goldTests.map((c) => c.name)).toContain('gold_recency_2h');
    expect(goldTests.every((c) => c.status === 'passed')).toBe(true);

    const status = await assetStatuses(pipeline, orchestrator.events);
    expect(status.map((s) => [s.key, s.lastStatus, s.freshness, s.blocked])).toEqual(
      SHIPPED_ORDER.map((k) => [k, 'succeeded', 'fresh', false]),
    );
    // Data time flows down from the newest landed record: every layer is as new as its source.
    expect(new Set(status.map((s) => s.dataTime)).size).toBe(1);
  });

  it('a planted bad record fails an error-severity dbt test: checks fail, downstream skipped, exit code 1 naming the test', async () => {
    landShifted(['clean', 'faults'], path.join(sandbox.dir, 'lake'), Date.now() - 10 * 60_000);
    const result = await runCli(['materialize', '*', '--inline'], {
      env: sandbox.env,
      timeoutMs: 240_000,
    });

    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/raw_crypto_batches: succeeded/);
    expect(result.stdout).toMatch(/crypto_raw: succeeded.*warned: .*bronze_name_not_empty/);
    expect(result.stdout).toMatch(/crypto_stage: FAILED.*checks failed: .*silver_name_not_empty/);
    expect(result.stdout).toMatch(/crypto_curated: skipped \(upstream asset crypto_stage failed\)/);
    expect(result.stderr).toMatch(/crypto_stage: checks failed: .*silver_name_not_empty/);

    const status = await runCli(['status', '--json'], { env: sandbox.env });
    const { assets } = JSON.parse(status.stdout) as {
      assets: { key: string; lastStatus: string | null; blocked: boolean }[];
    };
    expect(assets.map((a) => [a.key, a.lastStatus, a.blocked])).toEqual([
      ['raw_crypto_batches', 'succeeded', false],
      ['crypto_raw', 'succeeded', false],
      ['crypto_stage', 'failed', true],
      ['crypto_curated', null, false],
    ]);
  });

  it('carries --vars and --full-refresh from strata materialize to the dbt assets of the run', async () => {
    landShifted(['clean'], path.join(sandbox.dir, 'lake'), Date.now() - 10 * 60_000);
    // Data 10 minutes old is stale for a 0-hour gold window: only the run's vars can say so.
    const result = await runCli(
      ['materialize', '*', '--inline', '--full-refresh', '--vars', '{gold_recency_hours: 0}'],
      { env: sandbox.env, timeoutMs: 240_000 },
    );

    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/crypto_curated: FAILED.*checks failed: .*gold_recency_2h/);
    const pipeline = await loadPipeline(SHIPPED_CONFIG, { ...process.env, ...sandbox.env });
    const orchestrator = await sandbox.connect(pipeline);
    const [stage] = await orchestrator.events.materializations('crypto_stage');
    expect(stage?.metadata).toMatchObject({ dbtFullRefresh: true, dbtMode: 'warm' });
  }, 300_000);
});
