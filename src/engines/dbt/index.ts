export { runDbt, dbtBuildModel, failureSummary } from './runner.ts';
export type { DbtRunOptions, DbtInvocationResult } from './types.ts';
export type { ModelResult, TestResult, SourceFreshnessResult } from './artifacts.ts';
export type { DbtEvent, DbtEventNode } from './events.ts';
export { DbtWorkFailedError, DbtUsageError, DbtTimeoutError } from './errors.ts';
export { dbtSettings, type DbtSettings, type DbtMode } from './settings.ts';
export { closeWarmDbt, retainWarmDbt, warmDbtPool } from './warm/pool.ts';
export { WarmDbtCrashError } from './warm/process.ts';
export { readModelSql, compiledSqlDir, type ModelSql } from './compiled.ts';
