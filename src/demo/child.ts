import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../shared/settings.ts';

const STRATA_BIN = path.join(PROJECT_ROOT, 'bin', 'strata.js');

export interface StrataChild {
  process: ChildProcess;
  exited: Promise<number>;
}

/**
 * Starts `strata <args>` as its own process, as an operator would. Output is inherited so the
 * user sees each role's own progress; arguments are an array, never a shell string.
 */
export function startStrata(args: readonly string[], env: NodeJS.ProcessEnv = {}): StrataChild {
  const child = spawn(process.execPath, [STRATA_BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  return { process: child, exited };
}

export async function runStrata(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  return startStrata(args, env).exited;
}
