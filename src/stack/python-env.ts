import fs from 'node:fs';
import path from 'node:path';
import { WorkFailedError } from '../shared/errors.ts';
import type { StackConfig, StackPaths } from './config.ts';
import { runToLog } from './commands.ts';
import { PYTHON, type Prerequisite } from './prerequisites.ts';
import { stampFor, stampMatches, writeStamp } from './stamps.ts';

export function venvBin(config: Pick<StackConfig, 'venvDir'>, program: string): string {
  return path.join(config.venvDir, 'bin', program);
}

function venvExists(config: StackConfig): boolean {
  return fs.existsSync(venvBin(config, 'python'));
}

function venvUpToDate(config: StackConfig, paths: StackPaths): boolean {
  return (
    venvExists(config) &&
    stampMatches(paths.venvStamp, stampFor(paths.requirements, config.venvDir))
  );
}

export function venvPrerequisites(config: StackConfig): Prerequisite[] {
  return venvExists(config) ? [] : [PYTHON];
}

/**
 * Creates the venv when absent and installs the pinned requirements when requirements.txt
 * changed since the last install. An update is in place: pip replaces changed pins.
 */
export async function ensureVenv(
  config: StackConfig,
  paths: StackPaths,
  progress: (message: string) => void,
): Promise<void> {
  if (venvUpToDate(config, paths)) return;
  const log = paths.logFile('venv');
  if (!venvExists(config)) {
    progress(`dbt: creating the Python venv ${config.venvDir}`);
    try {
      await runToLog('python3', ['-m', 'venv', config.venvDir], log, {
        cwd: config.projectRoot,
        what: 'creating the Python venv',
      });
    } catch (error) {
      // Debian ships venv support separately; without it the failure names ensurepip, not the fix.
      throw new WorkFailedError(
        'creating the Python venv failed: install with `apt-get install python3-venv`',
        { cause: error },
      );
    }
  }
  progress(
    'dbt: installing pinned Python packages (dbt, moto) from scripts/stack/requirements.txt',
  );
  await runToLog(
    venvBin(config, 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', paths.requirements],
    log,
    { cwd: config.projectRoot, what: 'installing scripts/stack/requirements.txt' },
  );
  writeStamp(paths.venvStamp, stampFor(paths.requirements, config.venvDir));
}
