import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DbtWorkFailedError,
  dbtBuildModel,
  runDbt,
  type DbtInvocationResult,
} from '../../src/engines/dbt/index.ts';
import { closeWarmDbt } from '../../src/engines/dbt/index.ts';
import { readModelDataStatus } from '../../src/engines/duckdb/index.ts';
import { DBT_MODES, createDbtWorkspace, type DbtWorkspace } from './dbt-workspace.ts';

// The clean lake plus one object of planted faults (test/fixtures/lake/faults): an empty name,
// a negative and an absurd price, an observation sent twice, an unknown coin. as_of puts the
// data 3.4 days in the past: stale for silver's 3-day policy, fresh for bronze's 7 days.
const AS_OF_STALE = '2026-11-28T12:00:00Z';

describe.each(DBT_MODES)('%s mode', (mode) => {
  let workspace: DbtWorkspace;
  let build: DbtInvocationResult;

  const options = () => ({ ...workspace.dbtOptions, vars: { as_of: AS_OF_STALE } });

  beforeAll(async () => {
    workspace = await createDbtWorkspace(mode, 'clean', 'faults');
    build = await runDbt({ ...options(), args: ['build'] });
  });

  afterAll(async () => {
    await workspace?.cleanup();
    await closeWarmDbt();
  });

  describe('planted faults', () => {
    it('make exactly the expected tests warn or fail, each named with its model and dbt message', () => {
      expect(build.exitCode).toBe(1);
      expect(build.success).toBe(false);
      const notPassing = build.tests
        .filter((t) => t.status === 'warn' || t.status === 'fail')
        .map((t) => ({
          test: t.name,
          model: t.model,
          type: t.testType,
          status: t.status,
          severity: t.severity,
          failures: t.failures,
          message: t.message,
        }));
      expect(notPassing).toEqual([
        {
          test: 'bronze_name_not_empty',
          model: 'crypto_raw',
          type: 'not_empty_string',
          status: 'warn',
          severity: 'warn',
          failures: 1,
          message: 'Got 1 result, configured to warn if != 0',
        },
        {
          test: 'bronze_no_duplicate_ids',
          model: 'crypto_raw',
          type: 'no_duplicate_ids',
          status: 'warn',
          severity: 'warn',
          failures: 1,
          message: 'Got 1 result, configured to warn if != 0',
        },
        {
          test: 'bronze_price_in_range',
          model: 'crypto_raw',
          type: 'price_in_range',
          status: 'warn',
          severity: 'warn',
          failures: 2,
          message: 'Got 2 results, configured to warn if != 0',
        },
        {
          test: 'bronze_symbol_accepted',
          model: 'crypto_raw',
          type: 'accepted_values',
          status: 'warn',
          severity: 'warn',
          failures: 1,
          message: 'Got 1 result, configured to warn if != 0',
        },
        {
          test: 'silver_name_not_empty',
          model: 'crypto_stage',
          type: 'not_empty_string',
          status: 'fail',
          severity: 'error',
          failures: 1,
          message: 'Got 1 result, configured to fail if != 0',
        },
        {
          test: 'silver_price_in_range',
          model: 'crypto_stage',
          type: 'price_in_range',
          status: 'fail',
          severity: 'error',
          failures: 1,
          message: 'Got 1 result, configured to fail if != 0',
        },
        {
          test: 'silver_recency_3d',
          model: 'crypto_stage',
          type: 'recency_check',
          status: 'warn',
          severity: 'warn',
          failures: 1,
          message: 'Got 1 result, configured to warn if != 0',
        },
      ]);
    });

    it('keep silver filtering and deduplicating what bronze only warns about', () => {
      const silverPassing = build.tests
        .filter((t) => t.model === 'crypto_stage' && t.status === 'pass')
        .map((t) => t.name);
      expect(silverPassing).toEqual(
        expect.arrayContaining([
          'silver_symbol_accepted',
          'silver_no_duplicate_ids',
          'silver_record_key_unique',
        ]),
      );
      expect(build.tests.find((t) => t.name === 'bronze_recency_7d')?.status).toBe('pass');
    });

    it('stop gold: a failed error-severity silver test skips the layer below', () => {
      expect(build.models.map((m) => [m.name, m.status])).toEqual([
        ['crypto_raw', 'success'],
        ['crypto_stage', 'success'],
        ['crypto_curated', 'skipped'],
        ['crypto_latest_price', 'skipped'],
      ]);
      expect(
        build.tests
          .filter((t) => t.model === 'crypto_curated')
          .every((t) => t.status === 'skipped'),
      ).toBe(true);
    });

    it('leave gold unbuilt in the warehouse status, with silver holding only valid records', async () => {
      const status = await readModelDataStatus(workspace.duckDbPath);
      expect(status.map((s) => [s.model, s.rows])).toEqual([
        ['crypto_raw', 53],
        // 48 clean + the empty-name and the absurd-price record; the negative price, the
        // unknown coin and the re-sent observation are filtered or deduplicated.
        ['crypto_stage', 50],
        ['crypto_curated', null],
        ['crypto_latest_price', null],
      ]);
    });

    it("fail the silver asset with dbt's own messages when it is built as one asset", async () => {
      const error = await dbtBuildModel('crypto_stage', options()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DbtWorkFailedError);
      const failed = error as DbtWorkFailedError;
      expect(failed.message).toBe(
        'dbt build of crypto_stage failed: ' +
          'test silver_name_not_empty on crypto_stage: Got 1 result, configured to fail if != 0; ' +
          'test silver_price_in_range on crypto_stage: Got 1 result, configured to fail if != 0',
      );
      // buildable selection: silver's own 11 tests, including the relationship to bronze.
      expect(failed.result.models.map((m) => m.name)).toEqual(['crypto_stage']);
      expect(failed.result.tests).toHaveLength(11);
    });
  });

  describe('an empty lake', () => {
    it('fails bronze with a message naming the folder that has no files', async () => {
      const empty = await createDbtWorkspace(mode);
      try {
        const error = await dbtBuildModel('crypto_raw', empty.dbtOptions).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DbtWorkFailedError);
        expect((error as Error).message).toContain(
          `model crypto_raw: Compilation Error in model crypto_raw (models/bronze/crypto_raw.sql) No raw data: no JSON Lines files match ${empty.lakePath}/crypto_data/year=*/month=*/day=*/*.jsonl.`,
        );
        expect((error as Error).message).not.toContain('No files found');
      } finally {
        await empty.cleanup();
      }
    });
  });
});
