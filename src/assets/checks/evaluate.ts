import { formatDuration } from '../../shared/durations.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { CheckSpec, FreshnessPolicy } from '../../config/types.ts';
import { freshnessState } from './freshness.ts';
import { notPassed, type CheckResult } from './types.ts';

/** What the YAML checks of one asset can look at, right after its materialization. */
export interface CheckContext {
  /** Rows in the asset: the latest day's records for the source, the model's rows for dbt. */
  rowCount?: number;
  dataTime: number | null;
  freshness?: FreshnessPolicy;
  now: number;
  /**
   * Counts the rows a query returns, on the engine (DuckDB through its single-writer lock).
   * Absent when the asset's engine cannot run SQL checks.
   */
  countRows?: (sql: string) => Promise<number>;
}

/** Evaluates YAML checks in declaration order; a check that cannot run does not pass. */
export async function evaluateChecks(
  specs: readonly CheckSpec[],
  context: CheckContext,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const spec of specs) results.push(await evaluateCheck(spec, context));
  return results;
}

async function evaluateCheck(spec: CheckSpec, context: CheckContext): Promise<CheckResult> {
  const base = {
    name: spec.name,
    source: 'yaml' as const,
    type: spec.type,
    severity: spec.severity,
  };
  switch (spec.type) {
    case 'row_count': {
      if (context.rowCount === undefined) {
        return {
          ...base,
          status: notPassed(spec.severity),
          message: 'row count is not known for this asset',
        };
      }
      const ok = context.rowCount >= spec.min;
      return {
        ...base,
        status: ok ? 'passed' : notPassed(spec.severity),
        message: `${context.rowCount} rows${ok ? '' : `, expected at least ${spec.min}`}`,
      };
    }
    case 'freshness':
      return { ...base, ...freshnessCheck(spec.severity, context) };
    case 'sql': {
      if (!context.countRows) {
        return {
          ...base,
          status: notPassed(spec.severity),
          message: 'no SQL engine available for this check',
        };
      }
      try {
        const failing = await context.countRows(spec.sql);
        return {
          ...base,
          status: failing === 0 ? 'passed' : notPassed(spec.severity),
          failingRows: failing,
          message:
            failing === 0 ? 'no failing rows' : `${failing} failing row${failing === 1 ? '' : 's'}`,
        };
      } catch (error) {
        return {
          ...base,
          status: notPassed(spec.severity),
          message: `query failed: ${errorMessage(error)}`,
        };
      }
    }
  }
}

/** Past the warn window is a warning whatever the severity; past fail (or unknown) is the check's severity. */
function freshnessCheck(
  severity: CheckSpec['severity'],
  context: CheckContext,
): Pick<CheckResult, 'status' | 'message'> {
  const state = freshnessState(context.dataTime, context.freshness, context.now);
  const lag = context.dataTime === null ? undefined : context.now - context.dataTime;
  const lagText =
    lag === undefined ? 'no data time' : `data is ${formatDuration(Math.max(0, lag))} old`;
  switch (state) {
    case 'fresh':
      return { status: 'passed', message: `fresh: ${lagText}` };
    case 'warn':
      return { status: 'warned', message: `past its warn window: ${lagText}` };
    case 'fail':
      return { status: notPassed(severity), message: `past its fail window: ${lagText}` };
    case 'unknown':
      return { status: notPassed(severity), message: 'freshness unknown: no data time' };
  }
}
