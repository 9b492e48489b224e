import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { TransientError, UsageError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { withFileLock } from '../duckdb/file-lock.ts';
import { readInvocationArtifacts } from './artifacts.ts';
import { compiledSqlDir, publishCompiledSql } from './compiled.ts';
import { DbtTimeoutError, DbtWorkFailedError, invocationError, looksTransient } from './errors.ts';
import {
  invocationErrorMessage,
  parseDbtEvent,
  parseDbtLogLine,
  rawEvent,
  type DbtEvent,
} from './events.ts';
import type { DbtInvocationResult, DbtRunOptions } from './types.ts';
import { publishPartialParse, seedPartialParse } from './partial-parse.ts';
import { dbtSettings } from './settings.ts';
import { runProcess, type ProcessOutcome } from './subprocess.ts';
import { warmDbtPool } from './warm/pool.ts';

const log = createLogger('dbt');

/** Commands that accept --target-path and --log-path (dbt debug, deps, init do not). */
const COMMANDS = new Set([
  'build',
  'run',
  'test',
  'compile',
  'parse',
  'seed',
  'snapshot',
  'source',
  'ls',
  'list',
  'show',
]);
const MANAGED_FLAGS = [
  '--target-path',
  '--log-path',
  '--project-dir',
  '--profiles-dir',
  '--target',
  '--log-format',
];
const MAX_LOG_EVENTS = 20_000;
const DEFAULT_GRACE_MS = 10_000;

/**
 * Runs one dbt invocation as a subprocess and returns its parsed results. Resolves for exit
 * codes 0 and 1 (the work ran; `success` says whether it passed). Throws DbtUsageError or
 * TransientError for exit code 2, DbtTimeoutError on timeout, and the signal's reason on abort.
 */
export async function runDbt(options: DbtRunOptions): Promise<DbtInvocationResult> {
  const command = validateArgs(options);
  const defaults = dbtSettings();
  const target = options.target ?? defaults.target;
  const duckDbPath = path.resolve(options.duckDbPath ?? defaults.duckDbPath);
  const run = (): Promise<DbtInvocationResult> => invoke(options, command, target, duckDbPath);
  // DuckDB admits one writer process and no readers beside it: never let this process's own
  // status queries hold the file while dbt needs it (see duckdb/file-lock.ts).
  return target === 'local' ? withFileLock(duckDbPath, run) : run();
}

interface InvocationPaths {
  projectDir: string;
  runDir: string;
  targetDir: string;
  cacheDir: string;
  /** Where the newest compiled SQL of each model outlives the run dir (see compiled.ts). */
  compiledDir: string;
  lakePath: string;
  duckDbPath: string;
}

async function invoke(
  options: DbtRunOptions,
  command: string,
  target: string,
  duckDbPath: string,
): Promise<DbtInvocationResult> {
  const paths = invocationPaths(options, target, duckDbPath);
  const mode = options.mode ?? dbtSettings().mode;
  const label = `dbt ${options.args.join(' ')}`;
  await mkdir(paths.runDir, { recursive: true });
  // A warm process keeps its own parsed manifest; the subprocess reuses dbt's partial parse.
  if (mode === 'subprocess') await seedPartialParse(paths.cacheDir, paths.targetDir);
  const logs: DbtEvent[] = [];
  const record = (event: DbtEvent): void => {
    if (logs.length < MAX_LOG_EVENTS) logs.push(event);
    try {
      options.onEvent?.(event);
    } catch (error) {
      log.warn({ err: error }, 'dbt event callback threw; ignoring');
    }
  };

  log.info(
    { command, args: options.args, target, mode, runDir: paths.runDir },
    'dbt invocation starting',
  );
  try {
    const outcome =
      mode === 'warm'
        ? await executeWarm(options, target, paths, record)
        : await executeSubprocess(options, target, paths, record);
    const exitCode = checkOutcome(outcome, options, command, label, logs);

    if (mode === 'subprocess') await publishPartialParse(paths.targetDir, paths.cacheDir);
    const artifacts = await readInvocationArtifacts(paths.targetDir);
    await keepCompiledSql(paths, artifacts.models);
    const result: DbtInvocationResult = {
      invocationId: logs.find((e) => e.invocationId)?.invocationId,
      command,
      args: options.args,
      target,
      mode,
      parsed: outcome.parsed,
      exitCode,
      success: exitCode === 0,
      ...artifacts,
      elapsedMs: outcome.elapsedMs,
      logs,
      artifactsDir: options.keepArtifacts ? paths.runDir : undefined,
    };
    const { invocationId, elapsedMs, parsed } = result;
    log.info(
      { command, target, mode, exitCode, elapsedMs, parsed, invocationId },
      'dbt invocation finished',
    );
    return result;
  } finally {
    if (!options.keepArtifacts) await rm(paths.runDir, { recursive: true, force: true });
  }
}

/** The asset page shows what dbt compiled; failing to keep it must not fail the invocation. */
async function keepCompiledSql(
  paths: InvocationPaths,
  models: readonly { uniqueId: string; resourceType: string }[],
): Promise<void> {
  const ids = models.filter((m) => m.resourceType === 'model').map((m) => m.uniqueId);
  try {
    await publishCompiledSql(paths.targetDir, paths.compiledDir, ids);
  } catch (error) {
    log.warn({ err: error, dir: paths.compiledDir }, 'could not keep the compiled SQL of models');
  }
}

type Outcome = ProcessOutcome & { parsed?: boolean };

function executeSubprocess(
  options: DbtRunOptions,
  target: string,
  paths: InvocationPaths,
  record: (event: DbtEvent) => void,
): Promise<Outcome> {
  const dbtBin = options.dbtBin ?? dbtSettings().dbtBin;
  return runProcess({
    command: dbtBin,
    args: ['--log-format', 'json', ...dbtArgs(options, target, paths)],
    cwd: paths.projectDir,
    env: { ...process.env, ...dbtEnv(options, paths) },
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
    // dbt installs no SIGTERM handler, so SIGTERM kills Python mid-query and leaves Athena
    // queries running; SIGINT is dbt's graceful stop (it cancels in-flight queries).
    stopSignal: 'SIGINT',
    onLine: (line, stream) => record(parseDbtLogLine(line, stream)),
    onSpawn: options.onSpawn,
  }).catch((error: unknown) => {
    throw new UsageError(`cannot start dbt (${dbtBin}): ${String(error)}`, { cause: error });
  });
}

/** The invocation in this process's warm dbt; events arrive as objects, not log lines. */
function executeWarm(
  options: DbtRunOptions,
  target: string,
  paths: InvocationPaths,
  record: (event: DbtEvent) => void,
): Promise<Outcome> {
  const pool = warmDbtPool(options.python ?? dbtSettings().python);
  return pool.run((warm) =>
    warm.invoke({
      // --quiet: the console logger stays silent (events come through the protocol) but for
      // errors, which land on the process's stderr like the subprocess's.
      args: ['--quiet', ...dbtArgs(options, target, paths)],
      cwd: paths.projectDir,
      env: dbtEnv(options, paths),
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
      onEvent: (event) => {
        const parsed = parseDbtEvent(event);
        if (parsed) record(parsed);
      },
      onStderr: (line) => record(rawEvent(line, 'stderr')),
      onSpawn: options.onSpawn,
    }),
  );
}

function invocationPaths(
  options: DbtRunOptions,
  target: string,
  duckDbPath: string,
): InvocationPaths {
  const defaults = dbtSettings();
  const runsDir = path.resolve(options.runsDir ?? defaults.runsDir);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = path.join(runsDir, `${stamp}-${randomUUID().slice(0, 8)}`);
  const lakePath = path.resolve(options.lakePath ?? defaults.lakePath);
  // The lake path lands inside a SQL string literal (read_json) on DuckDB.
  if (lakePath.includes("'"))
    throw new UsageError(`lake path must not contain a quote: ${lakePath}`);
  return {
    projectDir: path.resolve(options.projectDir ?? defaults.projectDir),
    runDir,
    targetDir: path.join(runDir, 'target'),
    cacheDir: path.join(runsDir, 'parse-cache', target),
    compiledDir: compiledSqlDir(runsDir, target),
    lakePath,
    duckDbPath,
  };
}

function dbtArgs(options: DbtRunOptions, target: string, paths: InvocationPaths): string[] {
  return [
    '--no-use-colors',
    ...options.args,
    ...(options.vars ? ['--vars', JSON.stringify(options.vars)] : []),
    '--project-dir',
    paths.projectDir,
    '--profiles-dir',
    path.resolve(options.profilesDir ?? paths.projectDir),
    '--target',
    target,
    '--target-path',
    paths.targetDir,
    '--log-path',
    path.join(paths.runDir, 'logs'),
  ];
}

/** What the invocation adds to the environment (the subprocess inherits the rest). */
function dbtEnv(options: DbtRunOptions, paths: InvocationPaths): Record<string, string> {
  return {
    ...options.env,
    STRATA_DUCKDB_PATH: paths.duckDbPath,
    STRATA_LAKE_PATH: paths.lakePath,
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
  };
}

/** The exit code when dbt ran the work (0 or 1); otherwise the matching error. */
function checkOutcome(
  outcome: Outcome,
  options: DbtRunOptions,
  command: string,
  label: string,
  logs: readonly DbtEvent[],
): 0 | 1 {
  if (outcome.stoppedBy === 'timeout') {
    throw new DbtTimeoutError(
      `${label} timed out after ${options.timeoutMs ?? 0}ms and was stopped`,
    );
  }
  if (outcome.stoppedBy === 'abort') {
    const reason: unknown = options.signal?.reason;
    throw reason instanceof Error ? reason : new Error(`${label} was cancelled`);
  }
  if (outcome.exitCode === null) {
    throw new TransientError(`${label} was killed by ${outcome.exitSignal ?? 'a signal'}`);
  }
  if (outcome.exitCode === 0 || outcome.exitCode === 1) return outcome.exitCode;
  throw invocationError(command, invocationErrorMessage(logs) ?? `exit code ${outcome.exitCode}`);
}

function validateArgs(options: DbtRunOptions): string {
  const command = options.args[0];
  if (command === undefined || !COMMANDS.has(command)) {
    throw new UsageError(
      `unsupported dbt command ${JSON.stringify(command)}; use one of ${[...COMMANDS].join(', ')}`,
    );
  }
  const managed = options.args
    .map((arg) => arg.split('=')[0] ?? arg)
    .find((flag) => MANAGED_FLAGS.includes(flag));
  if (managed !== undefined)
    throw new UsageError(`${managed} is set by the runner; pass it as an option instead`);
  if (options.vars && options.args.some((arg) => arg.startsWith('--vars'))) {
    throw new UsageError('pass vars either in args (--vars) or as the vars option, not both');
  }
  return command;
}

const ASSET_KEY = /^[a-z][a-z0-9_]*$/;

/**
 * Builds one asset: the model of that name plus the models that declare themselves part of it
 * (`meta: {strata_asset: <name>}`, e.g. the latest-price view of gold), with the tests that
 * guard them. `--indirect-selection buildable` runs tests whose other parents are upstream
 * (relationships to the layer below) and leaves tests that need a downstream model to it.
 * Throws DbtWorkFailedError with dbt's own messages when a model or an error-severity test
 * fails; warnings are in the result.
 */
export async function dbtBuildModel(
  model: string,
  { fullRefresh, ...options }: Omit<DbtRunOptions, 'args'> & { fullRefresh?: boolean } = {},
): Promise<DbtInvocationResult> {
  if (!ASSET_KEY.test(model)) throw new UsageError(`invalid model name ${JSON.stringify(model)}`);
  const result = await runDbt({
    ...options,
    args: [
      'build',
      '--select',
      model,
      `config.meta.strata_asset:${model}`,
      '--indirect-selection',
      'buildable',
      ...(fullRefresh ? ['--full-refresh'] : []),
    ],
  });
  if (!result.success) {
    const summary = failureSummary(result);
    const message = `dbt build of ${model} failed: ${summary}`;
    // Another process holding the DuckDB file is not the model's fault: let the job retry.
    if (looksTransient(summary)) throw new TransientError(message);
    throw new DbtWorkFailedError(message, result);
  }
  return result;
}

/** What failed, in dbt's words: failed models, failed error-severity tests, skipped models. */
export function failureSummary(
  result: Pick<DbtInvocationResult, 'models' | 'tests' | 'logs'>,
): string {
  const parts: string[] = [];
  for (const model of result.models.filter((m) => m.status === 'error')) {
    parts.push(`model ${model.name}: ${oneLine(model.message ?? 'error')}`);
  }
  for (const test of result.tests.filter((t) => t.status === 'fail' || t.status === 'error')) {
    parts.push(
      `test ${test.name} on ${test.model ?? 'unknown model'}: ${oneLine(test.message ?? test.status)}`,
    );
  }
  const skipped = result.models.filter((m) => m.status === 'skipped').map((m) => m.name);
  if (skipped.length > 0) parts.push(`skipped: ${skipped.join(', ')}`);
  if (parts.length === 0) parts.push(invocationErrorMessage(result.logs) ?? 'dbt reported failure');
  return parts.join('; ');
}

/** dbt's messages carry a call stack after the first lines; keep the part a person needs. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('>'))
    .join(' ');
}
