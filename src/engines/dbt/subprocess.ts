import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProcessOptions {
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Time between the polite stop signal and SIGKILL. */
  graceMs: number;
  /** The polite stop signal. */
  stopSignal: NodeJS.Signals;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  onSpawn?: (pid: number) => void;
}

export interface ProcessOutcome {
  exitCode: number | null;
  /** The signal that ended the process, if one did. */
  exitSignal: NodeJS.Signals | null;
  /** Why we stopped it, if we did. */
  stoppedBy: 'timeout' | 'abort' | undefined;
  elapsedMs: number;
}

/**
 * Runs a program with an argument array (never through a shell), streams its output line by
 * line, and stops it on timeout or abort: the stop signal first, SIGKILL after the grace.
 * Resolves only when the process has exited and both streams are drained, so a caller never
 * sees "done" while the program still holds a database file.
 */
export function runProcess(options: ProcessOptions): Promise<ProcessOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ exitCode: null, exitSignal: null, stoppedBy: 'abort', elapsedMs: 0 });
      return;
    }
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stoppedBy: ProcessOutcome['stoppedBy'];
    let killTimer: NodeJS.Timeout | undefined;

    const stop = (reason: NonNullable<ProcessOutcome['stoppedBy']>): void => {
      if (stoppedBy !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      stoppedBy = reason;
      child.kill(options.stopSignal);
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.graceMs);
    };
    const onAbort = (): void => stop('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer =
      options.timeoutMs !== undefined
        ? setTimeout(() => stop('timeout'), options.timeoutMs)
        : undefined;

    const streams = [
      readLines(child.stdout, 'stdout', options.onLine),
      readLines(child.stderr, 'stderr', options.onLine),
    ];
    child.once('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
    });
    child.once('error', (error) => {
      cleanup();
      reject(error);
    });
    child.once('close', (exitCode, exitSignal) => {
      cleanup();
      void Promise.all(streams).then(() =>
        resolve({
          exitCode,
          exitSignal,
          stoppedBy,
          elapsedMs: Math.round(performance.now() - started),
        }),
      );
    });

    function cleanup(): void {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  });
}

function readLines(
  stream: NodeJS.ReadableStream,
  name: 'stdout' | 'stderr',
  onLine: ProcessOptions['onLine'],
): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() !== '') onLine(line, name);
  });
  return new Promise((resolve) => lines.once('close', resolve));
}
