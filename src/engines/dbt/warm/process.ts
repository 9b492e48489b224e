import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Logger } from '../../../shared/logger.ts';
import { TransientError, UsageError } from '../../../shared/errors.ts';
import type { ProcessOutcome } from '../subprocess.ts';
import { encodeRequest, parseWarmMessage, type WarmMessage } from './protocol.ts';

/** The warm process died while it ran an invocation (killed, out of memory, a Python crash). */
export class WarmDbtCrashError extends TransientError {}

export interface WarmProcessOptions {
  python: string;
  script: string;
  logger: Logger;
}

export interface WarmInvocation {
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Between SIGINT (dbt cancels its queries) and SIGKILL. */
  graceMs: number;
  /** A dbt event, as dbt's JSON log format has it. */
  onEvent: (event: unknown) => void;
  /** A line the process wrote on stderr during the invocation. */
  onStderr: (line: string) => void;
  onSpawn?: (pid: number) => void;
}

export interface WarmOutcome extends ProcessOutcome {
  /** The invocation had to parse the project (no manifest cached for its vars, target, files). */
  parsed: boolean;
}

type State = 'starting' | 'idle' | 'busy' | 'exited';

interface Pending {
  id: string;
  invocation: WarmInvocation;
  onResult: (message: Extract<WarmMessage, { type: 'result' }>) => void;
}

const STDERR_TAIL = 20;

/**
 * One long-lived Python process that has imported dbt and keeps the parsed manifest. Runs one
 * invocation at a time. Stopping an invocation (timeout, cancel) ends the process: dbtRunner
 * cannot be cancelled from outside, and a process that was interrupted mid-query is not trusted
 * with the next one. The pool replaces it.
 */
export class WarmDbtProcess {
  private state: State = 'starting';
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly ready: Promise<void>;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private pending: Pending | undefined;
  private readonly stderrTail: string[] = [];
  private dbtVersion: string | undefined;
  private wasReady = false;

  constructor(private readonly options: WarmProcessOptions) {
    this.child = spawn(options.python, ['-u', options.script], {
      env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.state = 'exited';
        resolve({ code, signal });
      });
      // A failed spawn (no such interpreter) may never emit 'close'.
      this.child.once('error', () => {
        if (this.child.pid !== undefined) return;
        this.state = 'exited';
        resolve({ code: null, signal: null });
      });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.readStdout(resolve);
      this.child.once('error', (error) =>
        reject(new UsageError(`cannot start the warm dbt process (${options.python}): ${error}`)),
      );
      void this.exited.then(({ code, signal }) =>
        reject(
          new UsageError(
            `the warm dbt process exited before it was ready (${code ?? signal}): ${this.tail()}`,
          ),
        ),
      );
    });
    // Failures surface through invoke(); an unused process that fails to start is only logged.
    this.ready.catch((error: unknown) =>
      options.logger.debug({ err: error }, 'warm dbt process did not start'),
    );
    this.readStderr();
    this.child.stdin.on('error', () => undefined);
    this.setReferenced(false);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.state !== 'exited';
  }

  get idle(): boolean {
    return this.state === 'idle' || this.state === 'starting';
  }

  /**
   * Runs one dbt invocation. Resolves with dbt's exit code (0, 1 or 2), or with `stoppedBy` once
   * a timeout or abort has ended the process. Throws WarmDbtCrashError when the process dies by
   * itself mid-invocation, UsageError when it cannot start.
   */
  async invoke(invocation: WarmInvocation): Promise<WarmOutcome> {
    if (this.pending) throw new Error('warm dbt process is busy');
    if (!this.alive) throw new WarmDbtCrashError('warm dbt process has exited');
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const id = randomUUID();
    this.setReferenced(true);
    let stoppedBy: ProcessOutcome['stoppedBy'];
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (reason: NonNullable<ProcessOutcome['stoppedBy']>): void => {
      if (stoppedBy !== undefined || !this.alive) return;
      stoppedBy = reason;
      this.child.kill('SIGINT');
      killTimer = setTimeout(() => this.child.kill('SIGKILL'), invocation.graceMs);
    };
    const onAbort = (): void => stop('abort');
    invocation.signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer =
      invocation.timeoutMs !== undefined
        ? setTimeout(() => stop('timeout'), invocation.timeoutMs)
        : undefined;
    try {
      if (invocation.signal?.aborted) stop('abort');
      if (stoppedBy === undefined) {
        await Promise.race([this.ready, this.exited]);
      }
      if (this.pid !== undefined) invocation.onSpawn?.(this.pid);
      if (stoppedBy !== undefined || !this.alive) {
        const exit = await this.exited;
        if (stoppedBy !== undefined) return stoppedOutcome(stoppedBy, exit, elapsed());
        if (!this.wasReady) await this.ready; // rejects with why it could not start
        throw this.crashError(exit);
      }
      const result = await new Promise<Extract<WarmMessage, { type: 'result' }> | undefined>(
        (resolve) => {
          this.pending = { id, invocation, onResult: resolve };
          this.state = 'busy';
          void this.exited.then(() => resolve(undefined));
          this.child.stdin.write(
            encodeRequest({
              type: 'invoke',
              id,
              args: invocation.args,
              cwd: invocation.cwd,
              env: invocation.env,
            }),
          );
        },
      );
      if (result === undefined) {
        const exit = await this.exited;
        if (stoppedBy !== undefined) return stoppedOutcome(stoppedBy, exit, elapsed());
        throw this.crashError(exit);
      }
      if (stoppedBy !== undefined) {
        // The result raced the stop: the process is ending anyway, report the stop.
        return stoppedOutcome(stoppedBy, await this.exited, elapsed());
      }
      return {
        exitCode: result.exitCode,
        exitSignal: null,
        stoppedBy: undefined,
        elapsedMs: elapsed(),
        parsed: result.parsed,
      };
    } finally {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      invocation.signal?.removeEventListener('abort', onAbort);
      this.pending = undefined;
      if (this.alive) this.state = 'idle';
      this.setReferenced(false);
    }
  }

  /** Ends the process: closes its stdin (it exits between requests), SIGKILL after the grace. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.alive) return;
    this.child.stdin.end();
    if (this.pending) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Synchronous last resort at process exit. */
  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  private readStdout(onReady: () => void): void {
    const lines = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const message = parseWarmMessage(line);
      if (message === undefined) {
        this.options.logger.warn(
          { line: line.slice(0, 500) },
          'warm dbt wrote a non-protocol line',
        );
        return;
      }
      if (message.type === 'ready') {
        this.dbtVersion = message.dbtVersion;
        this.wasReady = true;
        if (this.state === 'starting') this.state = 'idle';
        this.options.logger.debug(
          { pid: message.pid, dbtVersion: this.dbtVersion },
          'warm dbt process ready',
        );
        onReady();
        return;
      }
      const pending = this.pending;
      if (pending === undefined || message.id !== pending.id) {
        this.options.logger.warn({ type: message.type }, 'warm dbt message for no open request');
        return;
      }
      if (message.type === 'event') pending.invocation.onEvent(message.event);
      else pending.onResult(message);
    });
  }

  private readStderr(): void {
    const lines = createInterface({ input: this.child.stderr, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      if (this.pending) this.pending.invocation.onStderr(line);
      else this.options.logger.debug({ line }, 'warm dbt stderr');
    });
  }

  private crashError(exit: { code: number | null; signal: NodeJS.Signals | null }): Error {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = this.tail();
    return new WarmDbtCrashError(
      `the warm dbt process (pid ${this.pid}) ${how} during the invocation${tail ? `: ${tail}` : ''}`,
    );
  }

  private tail(): string {
    return this.stderrTail.slice(-5).join('\n');
  }

  /** An idle warm process must not keep a CLI command or a test alive. */
  private setReferenced(referenced: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Array<{
      ref?: () => void;
      unref?: () => void;
    }>;
    for (const handle of handles) {
      if (referenced) handle.ref?.();
      else handle.unref?.();
    }
  }
}

function stoppedOutcome(
  stoppedBy: NonNullable<ProcessOutcome['stoppedBy']>,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  elapsedMs: number,
): WarmOutcome {
  return { exitCode: exit.code, exitSignal: exit.signal, stoppedBy, elapsedMs, parsed: false };
}
