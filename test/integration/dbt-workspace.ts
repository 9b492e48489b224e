import { randomUUID } from 'node:crypto';
import { cp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DbtMode } from '../../src/engines/dbt/index.ts';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';

/** Every dbt suite runs in both modes with the same assertions. */
export const DBT_MODES: readonly DbtMode[] = ['subprocess', 'warm'];

/** Fixture lakes under test/fixtures/lake (see its README for what each one plants). */
export type FixtureSet = 'clean' | 'batch2' | 'faults';

/** A private lake, warehouse and dbt runs dir for one test file; cleanup removes all of it. */
export interface DbtWorkspace {
  root: string;
  lakePath: string;
  duckDbPath: string;
  /** The workspace's paths and mode as runDbt and dbtBuildModel take them, to spread into their options. */
  dbtOptions: { duckDbPath: string; lakePath: string; runsDir: string; mode: DbtMode };
  /** Lands a fixture set's objects in the lake, beside what is there. */
  land(set: FixtureSet): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createDbtWorkspace(
  mode: DbtMode,
  ...sets: FixtureSet[]
): Promise<DbtWorkspace> {
  const root = path.join(tmpdir(), `strata-dbt-test-${randomUUID()}`);
  const lakePath = path.join(root, 'lake');
  await mkdir(lakePath, { recursive: true });
  const duckDbPath = path.join(root, 'warehouse.duckdb');
  const runsDir = path.join(root, 'dbt-runs');
  const workspace: DbtWorkspace = {
    root,
    lakePath,
    duckDbPath,
    dbtOptions: { duckDbPath, lakePath, runsDir, mode },
    land: (set) =>
      cp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'lake', set), lakePath, { recursive: true }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  for (const set of sets) await workspace.land(set);
  return workspace;
}
