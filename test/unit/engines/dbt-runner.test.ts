import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DbtUsageError, invocationError, looksTransient } from '../../../src/engines/dbt/errors.ts';
import { dbtBuildModel, runDbt } from '../../../src/engines/dbt/runner.ts';
import { TransientError, UsageError } from '../../../src/shared/errors.ts';

// None of these reach dbt: arguments are refused before any process starts.
const NO_DBT = { dbtBin: '/nonexistent/dbt-must-not-run' };

describe('runDbt argument checks', () => {
  it('refuses commands that do not accept per-invocation target and log paths', async () => {
    await expect(runDbt({ ...NO_DBT, args: ['debug'] })).rejects.toThrow(
      /unsupported dbt command "debug"/,
    );
    await expect(runDbt({ ...NO_DBT, args: [] })).rejects.toBeInstanceOf(UsageError);
  });

  it('refuses flags the runner owns, so parallel invocations cannot share a target dir', async () => {
    await expect(runDbt({ ...NO_DBT, args: ['build', '--target-path', '/tmp/x'] })).rejects.toThrow(
      /--target-path is set by the runner/,
    );
    await expect(runDbt({ ...NO_DBT, args: ['build', '--log-path=/tmp/x'] })).rejects.toThrow(
      /--log-path is set by the runner/,
    );
  });

  it('refuses vars given twice', async () => {
    await expect(
      runDbt({ ...NO_DBT, args: ['build', '--vars', '{}'], vars: { as_of: 'x' } }),
    ).rejects.toThrow(/not both/);
  });

  it('refuses a model name that is not an asset key (it becomes a dbt selector)', async () => {
    await expect(dbtBuildModel('crypto_raw+', NO_DBT)).rejects.toThrow(/invalid model name/);
    await expect(dbtBuildModel('tag:x', NO_DBT)).rejects.toBeInstanceOf(UsageError);
  });

  it('reports a dbt executable that cannot start as a usage problem', async () => {
    const runsDir = `/tmp/strata-unit-${process.pid}-${Date.now()}`;
    try {
      await expect(
        runDbt({ ...NO_DBT, args: ['parse'], target: 'athena', runsDir }),
      ).rejects.toThrow(/cannot start dbt/);
    } finally {
      await rm(runsDir, { recursive: true, force: true });
    }
  });
});

describe('invocationError', () => {
  it('treats a held DuckDB lock or throttling as transient', () => {
    expect(
      looksTransient('IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held'),
    ).toBe(true);
    expect(invocationError('build', 'ThrottlingException: Rate exceeded')).toBeInstanceOf(
      TransientError,
    );
  });

  it('treats a bad profile or project as a usage error with dbt text', () => {
    const error = invocationError(
      'build',
      "The profile 'strata' does not have a target named 'nope'.",
    );
    expect(error).toBeInstanceOf(DbtUsageError);
    expect(error.message).toBe(
      "dbt build could not run: The profile 'strata' does not have a target named 'nope'.",
    );
  });
});
