import path from 'node:path';
import { serviceSettings } from '../../shared/settings.ts';

/** Where dbt and its inputs live, from the environment with the repository's defaults. */
export type DbtMode = 'warm' | 'subprocess';

export interface DbtSettings {
  dbtBin: string;
  /** The venv's Python, which runs the warm dbt process. */
  python: string;
  /** How runDbt invokes dbt when the caller does not say (STRATA_DBT_MODE). */
  mode: DbtMode;
  projectDir: string;
  profilesDir: string;
  target: string;
  /** The DuckDB warehouse of target `local`. */
  duckDbPath: string;
  /** The lake root holding crypto_data/ (target `local` reads it directly). */
  lakePath: string;
  /** Per-invocation target/log dirs and the shared partial-parse cache. */
  runsDir: string;
}

export function dbtSettings(env: NodeJS.ProcessEnv = process.env): DbtSettings {
  const { dataDir, projectRoot } = serviceSettings(env);
  const projectDir = path.resolve(env.STRATA_DBT_PROJECT_DIR ?? path.join(projectRoot, 'dbt'));
  // The venv `strata stack up` installs dbt into (STRATA_VENV_DIR), so both agree on one place.
  const venvDir = path.resolve(projectRoot, env.STRATA_VENV_DIR ?? '.venv');
  return {
    dbtBin: env.STRATA_DBT_BIN ?? path.join(venvDir, 'bin', 'dbt'),
    python: env.STRATA_DBT_PYTHON ?? path.join(venvDir, 'bin', 'python'),
    mode: env.STRATA_DBT_MODE === 'warm' ? 'warm' : 'subprocess',
    projectDir,
    profilesDir: path.resolve(env.STRATA_DBT_PROFILES_DIR ?? projectDir),
    target: env.STRATA_DBT_TARGET ?? 'local',
    duckDbPath: path.resolve(env.STRATA_DUCKDB_PATH ?? path.join(dataDir, 'warehouse.duckdb')),
    lakePath: path.resolve(env.STRATA_LAKE_PATH ?? path.join(dataDir, 'lake')),
    runsDir: path.resolve(env.STRATA_DBT_RUNS_DIR ?? path.join(dataDir, 'dbt-runs')),
  };
}
