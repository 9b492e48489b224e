import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateWorkGroupCommand,
  DeleteWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthenaClient } from '../../src/engines/athena/index.ts';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { resolveStackConfig } from '../../src/stack/config.ts';
import { venvBin } from '../../src/stack/python-env.ts';

// dbt-athena against moto (AWS_ENDPOINT_URL). moto's Athena records queries but runs no SQL and
// registers no tables, so this covers what can be covered without AWS: the adapter loads, the
// project parses and compiles for target `athena`, every compiled statement is Athena (Trino)
// SQL as sqlglot reads it, and `dbt debug` reaches the Athena API with its connection query.
// `dbt build --target athena` needs a real account (see docs/dbt.md, "What runs where").

const run = promisify(execFile);
const ENDPOINT = process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5000';
const REGION = 'us-east-1';
const venv = resolveStackConfig();
const DBT = venvBin(venv, 'dbt');
const PYTHON = venvBin(venv, 'python');
const CHECKER = path.join(PROJECT_ROOT, 'test', 'helpers', 'athena_sql_check.py');
const PROJECT_DIR = path.join(PROJECT_ROOT, 'dbt');

const workGroup = `strata-dbt-${randomUUID().slice(0, 8)}`;
let workDir: string;
let client: AthenaClient;

const awsEnv = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  AWS_ENDPOINT_URL: ENDPOINT,
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
  STRATA_ATHENA_WORK_GROUP: workGroup,
  ...overrides,
});

/** Runs dbt on the repository's project with this file's own target and log folders. */
async function dbt(
  command: string,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = awsEnv(),
): Promise<{ code: number; output: string }> {
  const args = [
    command,
    '--project-dir',
    PROJECT_DIR,
    '--profiles-dir',
    PROJECT_DIR,
    '--target',
    'athena',
    '--log-path',
    path.join(workDir, 'logs'),
    ...(command === 'debug' ? [] : ['--target-path', path.join(workDir, 'target')]),
    ...extra,
  ];
  try {
    const { stdout, stderr } = await run(DBT, args, {
      cwd: workDir,
      env,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      output: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    };
  }
}

interface CheckResult {
  file: string;
  ok: boolean;
  statements?: number;
  error?: string;
}

/** Parses files as Athena SQL with the venv's sqlglot (test/helpers/athena_sql_check.py). */
async function checkAthenaSql(files: string[]): Promise<CheckResult[]> {
  const outcome = await run(PYTHON, [CHECKER, ...files], { maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return outcome.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CheckResult);
}

async function sqlFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.sql'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'strata-dbt-athena-'));
  // The SDK reads credentials from this process's environment; moto accepts any.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  client = createAthenaClient({ ...awsEnv(), AWS_ENDPOINT_URL: ENDPOINT });
  await client.send(
    new CreateWorkGroupCommand({
      Name: workGroup,
      Configuration: {
        ResultConfiguration: { OutputLocation: `s3://strata-athena-results/${workGroup}/` },
      },
    }),
  );
});

afterAll(async () => {
  await client?.send(new DeleteWorkGroupCommand({ WorkGroup: workGroup })).catch(() => undefined);
  client?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('dbt-athena on the shipped project', () => {
  it('parses, compiles every model and test for target athena, and all of it is Athena SQL', async () => {
    const parsed = await dbt('parse');
    expect(parsed.output).toContain('Registered adapter: athena=');
    expect(parsed.code, parsed.output).toBe(0);

    const compiled = await dbt('compile');
    expect(compiled.code, compiled.output).toBe(0);

    const manifest = JSON.parse(
      await readFile(path.join(workDir, 'target', 'manifest.json'), 'utf8'),
    ) as { nodes: Record<string, { resource_type: string; compiled_code?: string }> };
    const nodes = Object.values(manifest.nodes).filter(
      (node) => node.resource_type === 'model' || node.resource_type === 'test',
    );
    expect(nodes.filter((n) => n.resource_type === 'model').length).toBeGreaterThanOrEqual(4);
    expect(nodes.filter((n) => n.resource_type === 'test').length).toBeGreaterThan(20);

    const files = await sqlFilesUnder(path.join(workDir, 'target', 'compiled'));
    expect(files).toHaveLength(nodes.length);
    const sql = await Promise.all(files.map((file) => readFile(file, 'utf8')));
    // The Athena dispatch of the cross-engine macros was taken, not DuckDB's.
    const all = sql.join('\n');
    expect(all).toContain('from_iso8601_timestamp');
    expect(all).toContain('"awsdatacatalog"."bronze"."crypto_raw"');
    expect(all).not.toContain('read_json');

    const results = await checkAthenaSql(files);
    expect(results).toHaveLength(files.length);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('the Athena SQL check rejects what Athena does not accept', async () => {
    // The control that proves the check above can fail: QUALIFY is DuckDB's, not Trino's.
    const file = path.join(workDir, 'duckdb-only.sql');
    await writeFile(
      file,
      'select id from crypto_raw qualify row_number() over (partition by id) = 1\n',
    );
    const [result] = await checkAthenaSql([file]);
    expect(result).toMatchObject({ file, ok: false });
  });

  it('dbt debug --target athena reaches the Athena API and runs its connection query there', async () => {
    const debug = await dbt('debug');
    expect(debug.code, debug.output).toBe(0);
    expect(debug.output).toContain('All checks passed');

    const { QueryExecutionIds = [] } = await client.send(
      new ListQueryExecutionsCommand({ WorkGroup: workGroup }),
    );
    expect(QueryExecutionIds.length).toBeGreaterThan(0);
    const queries = await Promise.all(
      QueryExecutionIds.map(async (id) => {
        const { QueryExecution } = await client.send(
          new GetQueryExecutionCommand({ QueryExecutionId: id }),
        );
        return QueryExecution?.Query ?? '';
      }),
    );
    expect(queries.some((query) => /select\s+1/i.test(query))).toBe(true);
  });

  it('dbt debug fails with the Athena API answer when the work group does not exist', async () => {
    const debug = await dbt('debug', [], awsEnv({ STRATA_ATHENA_WORK_GROUP: `${workGroup}-none` }));
    expect(debug.code).not.toBe(0);
    expect(debug.output).toContain('WorkGroup does not exist');
  });
});
