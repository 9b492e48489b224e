import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';

/** A `strata` process started by a test, its output kept as it arrives. */
export interface StrataProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr interleaved, as they arrived. */
  output(): string;
  /** The exit code (null when killed by a signal), once the process and its pipes closed. */
  exited: Promise<number | null>;
}

/** Starts `strata <args>` as a user would, in its own process, with `env` over this one's. */
export function spawnStrata(args: string[], env: NodeJS.ProcessEnv = {}): StrataProcess {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'strata.js'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { child, stdout: () => stdout, stderr: () => stderr, output: () => output, exited };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `strata <args>` to its end (SIGKILL after the timeout) and collects its output. */
export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const strata = spawnStrata(args, options.env);
  const timer = setTimeout(() => strata.child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    const code = await strata.exited;
    return { code, stdout: strata.stdout(), stderr: strata.stderr() };
  } finally {
    clearTimeout(timer);
  }
}
