import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dbtBuildModel,
  runDbt,
  type DbtInvocationResult,
  type TestResult,
} from '../../src/engines/dbt/index.ts';
import { closeWarmDbt } from '../../src/engines/dbt/index.ts';
import { readModelDataStatus, withDuckDb } from '../../src/engines/duckdb/index.ts';
import { DBT_MODES, createDbtWorkspace, type DbtWorkspace } from './dbt-workspace.ts';

// Real dbt-duckdb over the clean fixture lake (48 records: 3 coins x 16 quarter-hours from
// 2026-11-24T22:00Z to 2026-11-25T01:45Z). One warehouse serves the whole file: each step
// builds on the previous one, as the pipeline does.
const AS_OF_FRESH = '2026-11-25T02:00:00Z';

describe.each(DBT_MODES)('%s mode', (mode) => {
  let workspace: DbtWorkspace;
  let build: DbtInvocationResult;

  const byLayer = (tests: TestResult[], model: string) => tests.filter((t) => t.model === model);

  beforeAll(async () => {
    workspace = await createDbtWorkspace(mode, 'clean');
    build = await runDbt({
      ...workspace.dbtOptions,
      args: ['build'],
      vars: { as_of: AS_OF_FRESH },
    });
  });

  afterAll(async () => {
    await workspace?.cleanup();
    await closeWarmDbt();
  });

  describe('dbt build of bronze, silver and gold on DuckDB', () => {
    it('builds every model and passes all 33 tests, 11 per layer', () => {
      expect(build.exitCode).toBe(0);
      expect(build.success).toBe(true);
      expect(build.models.map((m) => [m.name, m.status])).toEqual([
        ['crypto_raw', 'success'],
        ['crypto_stage', 'success'],
        ['crypto_curated', 'success'],
        ['crypto_latest_price', 'success'],
      ]);
      expect(build.tests).toHaveLength(33);
      expect(build.tests.filter((t) => t.status !== 'pass')).toEqual([]);
      expect(byLayer(build.tests, 'crypto_raw')).toHaveLength(11);
      expect(byLayer(build.tests, 'crypto_stage')).toHaveLength(11);
      expect(
        byLayer(build.tests, 'crypto_curated').length +
          byLayer(build.tests, 'crypto_latest_price').length,
      ).toBe(11);
      expect(build.logs.some((e) => e.name === 'LogTestResult')).toBe(true);
    });

    it('lands every record in bronze and silver, and one gold row per coin and hour', async () => {
      const counts = await withDuckDb(workspace.duckDbPath, (db) =>
        db.query(`select
          (select count(*) from bronze.crypto_raw) as bronze,
          (select count(*) from silver.crypto_stage) as silver,
          (select count(*) from gold.crypto_curated) as gold,
          (select count(*) from gold.crypto_latest_price) as latest`),
      );
      expect(counts).toEqual([{ bronze: 48, silver: 48, gold: 12, latest: 3 }]);
    });

    it('cleans in silver: upper-case symbols, Kafka coordinates as the record key', async () => {
      const rows = await withDuckDb(workspace.duckDbPath, (db) =>
        db.query(
          `select symbol, record_key, last_updated from silver.crypto_stage
         where id = 'bitcoin' order by last_updated limit 1`,
        ),
      );
      expect(rows).toEqual([
        {
          symbol: 'BTC',
          record_key: 'selected_crypto_data+0+0',
          last_updated: new Date('2026-11-24T22:00:00Z'),
        },
      ]);
    });

    it('computes hourly open, high, low, close, average, change and count in gold', async () => {
      const rows = await withDuckDb(workspace.duckDbPath, (db) =>
        db.query(
          `select coin_id, symbol, name, open_price, high_price, low_price, close_price, avg_price,
                price_change, price_change_pct, volume_24h, record_count, first_record_at, last_record_at
         from gold.crypto_curated where hour_start = $hour order by coin_id`,
          { hour: '2026-11-24 22:00:00' },
        ),
      );
      expect(rows).toHaveLength(3);
      expect(rows[0]).toEqual({
        coin_id: 'bitcoin',
        symbol: 'BTC',
        name: 'Bitcoin',
        open_price: 64000,
        high_price: 64030,
        low_price: 63980,
        close_price: 64010,
        avg_price: 64005,
        price_change: 10,
        price_change_pct: 0.015625,
        volume_24h: 31_000_000_000,
        record_count: 4,
        first_record_at: new Date('2026-11-24T22:00:00Z'),
        last_record_at: new Date('2026-11-24T22:45:00Z'),
      });
      expect(rows[1]).toMatchObject({
        coin_id: 'ethereum',
        open_price: 3400,
        high_price: 3404,
        low_price: 3394,
        close_price: 3402,
        avg_price: 3400,
      });
      expect(rows[2]).toMatchObject({
        coin_id: 'ripple',
        open_price: 0.6,
        high_price: 0.604,
        low_price: 0.598,
        close_price: 0.601,
      });
      expect(rows[2]?.avg_price).toBeCloseTo(0.60075, 12);
    });

    it('shows the newest price per coin in the KPI view', async () => {
      const rows = await withDuckDb(workspace.duckDbPath, (db) =>
        db.query(
          'select coin_id, price, last_updated from gold.crypto_latest_price order by coin_id',
        ),
      );
      expect(rows).toEqual([
        { coin_id: 'bitcoin', price: 64310, last_updated: new Date('2026-11-25T01:45:00Z') },
        { coin_id: 'ethereum', price: 3432, last_updated: new Date('2026-11-25T01:45:00Z') },
        { coin_id: 'ripple', price: 0.631, last_updated: new Date('2026-11-25T01:45:00Z') },
      ]);
    });

    it('reports row counts and data times per model for status', async () => {
      const newest = new Date('2026-11-25T01:45:00Z');
      expect(await readModelDataStatus(workspace.duckDbPath)).toEqual([
        { model: 'crypto_raw', relation: 'bronze.crypto_raw', rows: 48, newestDataAt: newest },
        { model: 'crypto_stage', relation: 'silver.crypto_stage', rows: 48, newestDataAt: newest },
        {
          model: 'crypto_curated',
          relation: 'gold.crypto_curated',
          rows: 12,
          newestDataAt: newest,
        },
        {
          model: 'crypto_latest_price',
          relation: 'gold.crypto_latest_price',
          rows: 3,
          newestDataAt: newest,
        },
      ]);
    });

    it('builds the gold asset as its table plus the KPI view, with its 11 tests', async () => {
      const gold = await dbtBuildModel('crypto_curated', {
        ...workspace.dbtOptions,
        vars: { as_of: AS_OF_FRESH },
      });
      expect(gold.models.map((m) => [m.name, m.status])).toEqual([
        ['crypto_curated', 'success'],
        ['crypto_latest_price', 'success'],
      ]);
      expect(gold.tests).toHaveLength(11);
      expect(gold.tests.every((t) => t.status === 'pass')).toBe(true);
    });

    it('fails gold (error) but not silver or bronze once the data is 3 hours old', async () => {
      const stale = await runDbt({
        ...workspace.dbtOptions,
        args: ['test'],
        vars: { as_of: '2026-11-25T04:45:00Z' },
      });
      expect(stale.exitCode).toBe(1);
      expect(
        stale.tests
          .filter((t) => t.status !== 'pass')
          .map((t) => [t.name, t.model, t.status, t.severity]),
      ).toEqual([
        ['gold_latest_price_recency_2h', 'crypto_latest_price', 'fail', 'error'],
        ['gold_recency_2h', 'crypto_curated', 'fail', 'error'],
      ]);
    });

    it('adds a second batch incrementally without duplicating overlapping records', async () => {
      // 12 new records (02:00-02:45), an object re-landing 4 Kafka records already in silver,
      // and one observation re-sent under a new offset.
      await workspace.land('batch2');
      const second = await runDbt({
        ...workspace.dbtOptions,
        args: ['build'],
        vars: { as_of: '2026-11-25T03:00:00Z' },
      });
      expect(second.success).toBe(true);
      expect(
        second.tests.filter((t) => t.status !== 'pass').map((t) => [t.name, t.status, t.failures]),
      ).toEqual([
        ['bronze_no_duplicate_ids', 'warn', 5],
        ['bronze_record_key_unique', 'warn', 4],
      ]);
      const after = await withDuckDb(workspace.duckDbPath, (db) =>
        db.query(
          `select
          (select count(*) from bronze.crypto_raw) as bronze,
          (select count(*) from silver.crypto_stage) as silver,
          (select count(distinct record_key) from silver.crypto_stage) as keys,
          (select count(distinct (id, last_updated)) from silver.crypto_stage) as observations,
          (select count(*) from silver.crypto_stage
             where staged_at = (select min(staged_at) from silver.crypto_stage)) as untouched,
          (select count(*) from gold.crypto_curated) as gold,
          (select record_count from gold.crypto_curated where curated_key = 'bitcoin|2026-11-25 02:00:00') as new_hour`,
        ),
      );
      // Append-only: the 48 rows of the first run keep their staged_at; 12 rows are new.
      expect(after).toEqual([
        {
          bronze: 65,
          silver: 60,
          keys: 60,
          observations: 60,
          untouched: 48,
          gold: 15,
          new_hour: 4,
        },
      ]);
    });

    it('reports landing freshness of the raw source from sources.json', async () => {
      const freshness = await runDbt({ ...workspace.dbtOptions, args: ['source', 'freshness'] });
      expect(freshness.sources).toEqual([
        expect.objectContaining({
          source: 'crypto_raw_data',
          table: 'crypto_raw_data',
          status: 'error',
          maxLoadedAt: '2026-11-25T02:50:00+00:00',
        }),
      ]);
      expect(freshness.sources[0]?.ageSeconds).toBeGreaterThan(2 * 3600);
    });
  });
});
