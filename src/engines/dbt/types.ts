import type { ModelResult, SourceFreshnessResult, TestResult } from './artifacts.ts';
import type { DbtEvent } from './events.ts';
import type { DbtMode } from './settings.ts';

export interface DbtRunOptions {
  /** The dbt command and its arguments, e.g. ['build', '--select', 'crypto_raw']. */
  args: readonly string[];
  projectDir?: string;
  profilesDir?: string;
  /** `local` (DuckDB) or `athena`. */
  target?: string;
  dbtBin?: string;
  /**
   * `subprocess`: one `dbt` process per invocation. `warm`: the invocation runs in this
   * process's warm dbt (warm/), which keeps dbt imported and the manifest parsed. Default:
   * STRATA_DBT_MODE, else subprocess (a one-off caller gains nothing from a warm process).
   */
  mode?: DbtMode;
  /** The Python that runs the warm dbt process (warm mode). */
  python?: string;
  /** Extra environment for dbt (AWS_*, STRATA_ATHENA_*), on top of this process's. */
  env?: Readonly<Record<string, string>>;
  /** DuckDB warehouse for target `local` (STRATA_DUCKDB_PATH). */
  duckDbPath?: string;
  /** Lake root holding crypto_data/ (STRATA_LAKE_PATH). */
  lakePath?: string;
  /** Passed as --vars, e.g. { as_of: '2026-11-25T12:00:00Z' }. */
  vars?: Readonly<Record<string, unknown>>;
  runsDir?: string;
  /** Keep this invocation's target and log dirs (artifactsDir in the result). */
  keepArtifacts?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Between SIGINT and SIGKILL when stopping dbt. Default 10s. */
  graceMs?: number;
  onEvent?: (event: DbtEvent) => void;
  onSpawn?: (pid: number) => void;
}

export interface DbtInvocationResult {
  invocationId: string | undefined;
  command: string;
  args: readonly string[];
  target: string;
  mode: DbtMode;
  /** Warm mode: whether this invocation had to parse the project (else the cached manifest served). */
  parsed: boolean | undefined;
  exitCode: number;
  /** dbt's exit code was 0: every selected model built and no error-severity test failed. */
  success: boolean;
  models: ModelResult[];
  tests: TestResult[];
  sources: SourceFreshnessResult[];
  /** Wall time of the invocation as this process saw it. */
  elapsedMs: number;
  /** dbt's own elapsed time of the run phase (run_results.json): the floor for the SQL and tests. */
  runElapsedMs: number | undefined;
  logs: DbtEvent[];
  artifactsDir: string | undefined;
}
