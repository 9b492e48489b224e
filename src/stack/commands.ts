import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WorkFailedError } from '../shared/errors.ts';
import { tailFile } from './processes.ts';

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Shown in the error so the user knows which step failed. */
  what: string;
}

/**
 * Runs an installer step (mvn, pip, StorageTool) to completion with its output appended to a log;
 * a failure carries the log's last lines, which is where the actual reason is.
 */
export async function runToLog(
  command: string,
  args: string[],
  logFile: string,
  options: RunOptions,
): Promise<void> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.appendFileSync(logFile, `\n$ ${[command, ...args].join(' ')}\n`);
  const fd = fs.openSync(logFile, 'a');
  let code: number | null;
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
    code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exitCode) => resolve(exitCode));
    });
  } catch (error) {
    throw new WorkFailedError(`${options.what} could not run ${command}`, { cause: error });
  } finally {
    fs.closeSync(fd);
  }
  if (code !== 0) {
    throw new WorkFailedError(
      `${options.what} failed (exit ${code ?? 'signal'}); see ${logFile}:\n${tailFile(logFile)}`,
    );
  }
}

/** Whether a command exits 0 within the time limit (used as a health check for tools). */
export function commandSucceeds(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs },
      (error) => resolve(error === null),
    );
  });
}
