import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbtTimeoutError, DbtUsageError, runDbt } from '../../src/engines/dbt/index.ts';
import { closeWarmDbt, readModelSql } from '../../src/engines/dbt/index.ts';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { DBT_MODES, createDbtWorkspace, type DbtWorkspace } from './dbt-workspace.ts';
import { isAlive } from '../helpers/processes.ts';

describe.each(DBT_MODES)('%s mode', (mode) => {
  let workspace: DbtWorkspace;

  beforeAll(async () => {
    workspace = await createDbtWorkspace(mode, 'clean');
  });

  afterAll(async () => {
    await workspace?.cleanup();
    await closeWarmDbt();
  });

  const options = () => ({ ...workspace.dbtOptions, graceMs: 3_000 });

  /** Processes whose command line mentions this workspace: any dbt left behind by a test. */
  async function processesUsing(marker: string): Promise<number[]> {
    const found: number[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(marker)) found.push(Number(entry));
    }
    return found;
  }

  describe('the dbt runner', () => {
    it('stops dbt when the invocation is cancelled and leaves no dbt process', async () => {
      const controller = new AbortController();
      let pid = 0;
      const events: string[] = [];
      const run = runDbt({
        ...options(),
        args: ['build'],
        signal: controller.signal,
        onSpawn: (p) => (pid = p),
        onEvent: (event) => {
          events.push(event.name);
          // Cancel once dbt has started to work (its first log line).
          if (events.length === 1) controller.abort(new Error('cancelled by test'));
        },
      });
      await expect(run).rejects.toThrow('cancelled by test');
      expect(pid).toBeGreaterThan(0);
      expect(isAlive(pid)).toBe(false);
      expect(await processesUsing(workspace.root)).toEqual([]);
      expect(events[0]).toBe('MainReportVersion');
    });

    it("maps dbt's exit code 2 to a usage error carrying dbt's own text", async () => {
      const error = await runDbt({ ...options(), args: ['parse'], target: 'nope' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DbtUsageError);
      expect((error as Error).message).toMatch(
        /^dbt parse could not run: Encountered an error:\nRuntime Error\n {2}The profile 'strata' does not have a target named 'nope'/,
      );
    });

    it('reports a timeout and leaves no dbt process', async () => {
      let pid = 0;
      const run = runDbt({
        ...options(),
        args: ['build'],
        timeoutMs: 1_000,
        onSpawn: (p) => (pid = p),
      });
      await expect(run).rejects.toBeInstanceOf(DbtTimeoutError);
      await expect(run).rejects.toThrow('dbt build timed out after 1000ms and was stopped');
      expect(isAlive(pid)).toBe(false);
      expect(await processesUsing(workspace.root)).toEqual([]);
    });

    it('streams events while dbt runs and gives each invocation its own artifacts dir, even when started together', async () => {
      const progress: string[] = [];
      const [first, second] = await Promise.all([
        runDbt({
          ...options(),
          args: ['compile', '--select', 'crypto_raw'],
          target: 'local',
          keepArtifacts: true,
        }),
        runDbt({
          ...options(),
          args: ['ls', '--select', 'crypto_stage'],
          keepArtifacts: true,
          onEvent: (e) => {
            if (e.name === 'FoundStats') progress.push(e.message);
          },
        }),
      ]);
      expect(first.artifactsDir).not.toBe(second.artifactsDir);
      expect(first.models.map((m) => m.name)).toEqual(['crypto_raw']);
      expect(progress).toEqual([expect.stringMatching(/^Found 4 models, 33 data tests, 1 source/)]);
    });

    it('keeps the SQL dbt compiled for each model after removing the invocation dir', async () => {
      const where = {
        runsDir: workspace.dbtOptions.runsDir,
        target: 'local',
        projectDir: path.join(PROJECT_ROOT, 'dbt'),
      };
      const before = await readModelSql('crypto_stage', where);
      expect(before?.kind).toBe('source');
      expect(before?.sql).toContain("{{ ref('crypto_raw') }}");
      const result = await runDbt({
        ...options(),
        args: ['compile', '--select', 'crypto_stage'],
        target: 'local',
      });
      expect(result.artifactsDir).toBeUndefined();
      const compiled = await readModelSql('crypto_stage', where);
      expect(compiled?.kind).toBe('compiled');
      expect(compiled?.sql).not.toContain('{{');
      expect(compiled?.sql).toMatch(/from "warehouse"\."[a-z_]*bronze"\."crypto_raw"/);
    });
  });
});
