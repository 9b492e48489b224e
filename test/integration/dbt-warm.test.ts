import { spawn } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WarmDbtCrashError,
  closeWarmDbt,
  dbtBuildModel,
  dbtSettings,
  runDbt,
  warmDbtPool,
} from '../../src/engines/dbt/index.ts';
import { readModelDataStatus, withDuckDb } from '../../src/engines/duckdb/index.ts';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { isAlive } from '../helpers/processes.ts';
import { createDbtWorkspace, type DbtWorkspace } from './dbt-workspace.ts';

// What only the warm mode has: a process that outlives invocations, its cached manifest, and
// the warehouse file it must let go of between invocations. The suites shared with the
// subprocess mode (build, faults, cancel, timeout) run in both modes in their own files.
const AS_OF_FRESH = '2026-11-25T02:00:00Z';
const AS_OF_STALE = '2026-11-25T04:45:00Z';

let workspace: DbtWorkspace;
let projectDir: string;

/** The workspace's own copy of the dbt project, so a test can edit a model. */
const options = () => ({ ...workspace.dbtOptions, projectDir, graceMs: 3_000 });

beforeAll(async () => {
  workspace = await createDbtWorkspace('warm', 'clean');
  projectDir = path.join(workspace.root, 'dbt');
  await cp(path.join(PROJECT_ROOT, 'dbt'), projectDir, {
    recursive: true,
    filter: (source) => !/[/\\](target|logs)$/.test(source),
  });
  const build = await runDbt({ ...options(), args: ['build'], vars: { as_of: AS_OF_FRESH } });
  expect(build.success).toBe(true);
});

afterAll(async () => {
  await closeWarmDbt();
  await workspace?.cleanup();
});

describe('the warm dbt process', () => {
  it('reuses the manifest for the same vars and target, and re-parses for other --vars, which take effect', async () => {
    const same = await runDbt({ ...options(), args: ['test'], vars: { as_of: AS_OF_FRESH } });
    expect(same.parsed).toBe(false);
    expect(same.success).toBe(true);

    const stale = await runDbt({ ...options(), args: ['test'], vars: { as_of: AS_OF_STALE } });
    expect(stale.parsed).toBe(true);
    expect(stale.tests.filter((t) => t.status === 'fail').map((t) => t.name)).toEqual([
      'gold_latest_price_recency_2h',
      'gold_recency_2h',
    ]);

    const again = await runDbt({ ...options(), args: ['test'], vars: { as_of: AS_OF_STALE } });
    expect(again.parsed).toBe(false);
    expect(again.exitCode).toBe(1);

    // A worker alternating between config vars and a run's --vars keeps both manifests.
    const back = await runDbt({ ...options(), args: ['test'], vars: { as_of: AS_OF_FRESH } });
    expect(back.parsed).toBe(false);
    expect(back.success).toBe(true);
  });

  it('picks up a model edited between two invocations', async () => {
    const model = path.join(projectDir, 'models', 'gold', 'crypto_latest_price.sql');
    const before = await dbtBuildModel('crypto_curated', {
      ...options(),
      vars: { as_of: AS_OF_FRESH },
    });
    expect(before.parsed).toBe(false);
    const sql = await readFile(model, 'utf8');
    // A new column in the select list: `select` is followed by the first column.
    await writeFile(model, sql.replace(/\bselect\b/i, 'select 42 as strata_edit_marker,'));
    const after = await dbtBuildModel('crypto_curated', {
      ...options(),
      vars: { as_of: AS_OF_FRESH },
    });
    expect(after.parsed).toBe(true);
    const rows = await withDuckDb(workspace.duckDbPath, (db) =>
      db.query('select distinct strata_edit_marker as marker from gold.crypto_latest_price'),
    );
    expect(rows).toEqual([{ marker: 42 }]);
  });

  it('fails an invocation cleanly when the process is killed mid-invocation, and the next one works', async () => {
    let pid = 0;
    let killed = false;
    const run = runDbt({
      ...options(),
      args: ['build'],
      vars: { as_of: AS_OF_FRESH },
      onSpawn: (p) => (pid = p),
      onEvent: (event) => {
        // Kill once dbt is running a node: mid-invocation, not before or after it.
        if (!killed && event.node !== undefined) {
          killed = true;
          process.kill(pid, 'SIGKILL');
        }
      },
    });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarmDbtCrashError);
    expect((error as Error).message).toMatch(
      /^the warm dbt process \(pid \d+\) was killed by SIGKILL during the invocation/,
    );
    expect(isAlive(pid)).toBe(false);

    const next = await runDbt({ ...options(), args: ['build'], vars: { as_of: AS_OF_FRESH } });
    expect(next.success).toBe(true);
    expect(warmDbtPool(dbtSettings().python).pids).not.toContain(pid);
  });

  it('lets go of the warehouse while idle: another process reads it, another dbt writes it', async () => {
    const warm = warmDbtPool(dbtSettings().python).pids;
    expect(warm.length).toBeGreaterThan(0);
    expect(warm.every(isAlive)).toBe(true);

    // `strata status` reads the warehouse with DuckDB (this process, read-only).
    const status = await readModelDataStatus(workspace.duckDbPath);
    expect(status.find((s) => s.model === 'crypto_curated')?.rows).toBe(12);

    // Another process opens it read-only.
    const read = await runPython(
      `import duckdb, sys\n` +
        `con = duckdb.connect(sys.argv[1], read_only=True)\n` +
        `print(con.execute('select count(*) from gold.crypto_curated').fetchone()[0])`,
      workspace.duckDbPath,
    );
    expect(read).toEqual({ code: 0, stdout: '12\n' });

    // Another worker's dbt (a separate process) opens it read-write.
    const other = await runDbt({
      ...options(),
      mode: 'subprocess',
      args: ['build', '--select', 'crypto_curated'],
      vars: { as_of: AS_OF_FRESH },
    });
    expect(other.success).toBe(true);
    expect(warm.every(isAlive)).toBe(true);
  });
});

function runPython(
  code: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(dbtSettings().python, ['-c', code, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', reject);
    child.once('close', (exitCode) => resolve({ code: exitCode, stdout }));
  });
}
