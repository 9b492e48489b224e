import {
  DbtWorkFailedError,
  dbtBuildModel,
  failureSummary,
  type DbtInvocationResult,
  type TestResult,
} from '../../engines/dbt/index.ts';
import { withDuckDb } from '../../engines/duckdb/index.ts';
import { WorkFailedError } from '../../shared/errors.ts';
import type { CheckResult, CheckStatus } from '../checks/types.ts';
import type { AssetSpec } from '../../config/types.ts';
import type { LoadedPipeline } from '../../config/load.ts';
import {
  derivedDataTime,
  type MaterializeContext,
  type MaterializeResult,
  type Materializer,
  type RunOptions,
} from './types.ts';

type DbtAsset = Extract<AssetSpec, { kind: 'dbt' }>;

/**
 * `dbt build` of one model through the dbt engine; the tests dbt runs with it become the asset's
 * checks. A failed model fails the asset with dbt's message; failed tests are check results,
 * so the asset fails as "checks failed" and the record keeps every test's outcome.
 */
export const dbtMaterializer: Materializer<DbtAsset> = {
  kind: 'dbt',
  usesWarehouse: (_asset, pipeline) => pipeline.engine.kind === 'duckdb',
  async materialize(context: MaterializeContext<DbtAsset>): Promise<MaterializeResult> {
    const { asset, pipeline } = context;
    const run = (await context.runOptions()).dbt ?? {};
    const result = await buildModel(context, run);
    const model = result.models.find((m) => m.name === asset.model);
    if (!model || result.models.some((m) => m.status === 'error')) {
      throw new WorkFailedError(`dbt build of ${asset.model} failed: ${failureSummary(result)}`);
    }
    context.log(
      `dbt built ${asset.model} in ${Math.round(model.executionMs)} ms; ${result.tests.length} tests ran`,
    );
    const rowCount = model.relation ? await countRows(pipeline, model.relation) : undefined;
    return {
      dataTime: derivedDataTime(context.inputDataTimes),
      rowCount,
      metadata: {
        rows: rowCount,
        relation: model.relation,
        dbtExecutionMs: Math.round(model.executionMs),
        dbtElapsedMs: result.elapsedMs,
        dbtRunElapsedMs: result.runElapsedMs,
        dbtMode: result.mode,
        dbtParsed: result.parsed,
        ...(run.fullRefresh ? { dbtFullRefresh: true } : {}),
        dbtInvocationId: result.invocationId,
        tests: result.tests.length,
      },
      checks: result.tests.map(toCheck),
    };
  },
};

/** Runs the build of the asset's models and their tests. */
async function buildModel(
  context: MaterializeContext<DbtAsset>,
  run: NonNullable<RunOptions['dbt']>,
): Promise<DbtInvocationResult> {
  const { asset, pipeline } = context;
  const { dbt: settings } = pipeline.engine;
  // Narrowest wins: the run's --vars over the asset's vars over engine.dbt.vars.
  const vars = { ...settings.vars, ...asset.vars, ...run.vars };
  try {
    return await dbtBuildModel(asset.model, {
      mode: settings.mode,
      projectDir: pipeline.engine.dbtProject,
      target: settings.target,
      vars: Object.keys(vars).length > 0 ? vars : undefined,
      fullRefresh: run.fullRefresh,
      duckDbPath: pipeline.engine.duckdbPath,
      lakePath: pipeline.storage.root,
      signal: context.signal,
      onEvent: (event) => {
        if (event.node?.status)
          context.progress({
            dbt: event.node.uniqueId,
            status: event.node.status,
            ...event.progress,
          });
      },
    });
  } catch (error) {
    // Only failed tests: the models built, and the tests become failed checks of the asset.
    const onlyTests =
      error instanceof DbtWorkFailedError &&
      error.result.models.every((m) => m.status === 'success');
    if (onlyTests) return error.result;
    throw error;
  }
}

/** The model's rows, read while this worker still holds the warehouse lock. */
async function countRows(pipeline: LoadedPipeline, relation: string): Promise<number | undefined> {
  if (pipeline.engine.kind !== 'duckdb') return undefined;
  // `relation` is dbt's own quoted relation name from run_results.json, not user data.
  return withDuckDb(pipeline.engine.duckdbPath, async (db) => {
    const rows = await db.query<{ n: number }>(`select count(*) as n from ${relation}`);
    return Number(rows[0]?.n ?? 0);
  });
}

const TEST_STATUS: Record<string, (severity: 'warn' | 'error') => CheckStatus> = {
  pass: () => 'passed',
  success: () => 'passed',
  warn: () => 'warned',
  fail: (severity) => (severity === 'error' ? 'failed' : 'warned'),
  error: (severity) => (severity === 'error' ? 'failed' : 'warned'),
  skipped: () => 'skipped',
};

function toCheck(test: TestResult): CheckResult {
  const status = (TEST_STATUS[test.status] ?? (() => 'failed'))(test.severity);
  const failures = test.failures ?? undefined;
  return {
    name: test.name,
    source: 'dbt',
    type: test.testType ?? 'dbt_test',
    severity: test.severity,
    status,
    failingRows: failures,
    message: test.message ?? (failures === undefined ? test.status : `${failures} failing rows`),
  };
}
