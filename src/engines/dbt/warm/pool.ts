import path from 'node:path';
import { createLogger, type Logger } from '../../../shared/logger.ts';
import { WarmDbtProcess } from './process.ts';

/**
 * The Python helper, found beside this module both when running from src/ (tsx) and from a
 * dist/ build, which copies it (see the build script).
 */
export const WARM_SCRIPT = path.join(import.meta.dirname, 'dbt_warm.py');

/**
 * Warm dbt processes of one worker for one Python interpreter. An invocation takes an idle
 * process or starts one, so parallel invocations (Athena) each get their own; on DuckDB the
 * warehouse lock serializes invocations and one process serves them all. A process that ended
 * (cancel, timeout, crash) is replaced at once, so the next invocation finds dbt imported.
 */
export class WarmDbtPool {
  private readonly idle: WarmDbtProcess[] = [];
  private readonly all = new Set<WarmDbtProcess>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly python: string,
    private readonly logger: Logger = createLogger('dbt-warm'),
    private readonly script = WARM_SCRIPT,
  ) {}

  async run<T>(fn: (process: WarmDbtProcess) => Promise<T>): Promise<T> {
    if (this.closing) throw new Error('the warm dbt pool is closed');
    const process = this.acquire();
    try {
      return await fn(process);
    } finally {
      this.release(process);
    }
  }

  /** Processes alive now (idle or busy), for tests and metrics. */
  get pids(): number[] {
    return [...this.all].filter((p) => p.alive && p.pid !== undefined).map((p) => p.pid!);
  }

  /** Starts one process ahead of the first invocation, so it pays dbt's imports early. */
  prestart(): void {
    if (!this.closing && this.all.size === 0) this.idle.push(this.spawn());
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([...this.all].map((p) => p.stop())).then(() => undefined);
    return this.closing;
  }

  /** Synchronous, for process exit. */
  killAll(): void {
    for (const process of this.all) process.kill();
  }

  private acquire(): WarmDbtProcess {
    for (let next = this.idle.pop(); next !== undefined; next = this.idle.pop()) {
      if (next.alive) return next;
      this.all.delete(next);
    }
    return this.spawn();
  }

  private release(process: WarmDbtProcess): void {
    if (process.alive && !this.closing) {
      this.idle.push(process);
      return;
    }
    this.all.delete(process);
    if (this.closing) {
      void process.stop();
      return;
    }
    this.logger.info({ pid: process.pid }, 'warm dbt process ended; starting a new one');
    this.prestart();
  }

  private spawn(): WarmDbtProcess {
    const process = new WarmDbtProcess({
      python: this.python,
      script: this.script,
      logger: this.logger,
    });
    this.all.add(process);
    return process;
  }
}

const pools = new Map<string, WarmDbtPool>();
let exitHookInstalled = false;

/** This process's pool for an interpreter: one warm dbt per worker process (per parallel slot). */
export function warmDbtPool(python: string): WarmDbtPool {
  let pool = pools.get(python);
  if (!pool) {
    pool = new WarmDbtPool(python);
    pools.set(python, pool);
    if (!exitHookInstalled) process.once('exit', killAllWarmDbt);
    exitHookInstalled = true;
  }
  return pool;
}

const holders = new Map<string, number>();

/**
 * A worker's claim on this process's warm dbt: starts a process now (dbt's imports are paid
 * before the first job), and the returned release ends the processes when the last holder lets
 * go. Workers of one Node process share the pool, as they share the warehouse lock.
 */
export function retainWarmDbt(python: string): () => Promise<void> {
  holders.set(python, (holders.get(python) ?? 0) + 1);
  warmDbtPool(python).prestart();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const left = (holders.get(python) ?? 1) - 1;
    if (left > 0) {
      holders.set(python, left);
      return;
    }
    holders.delete(python);
    const pool = pools.get(python);
    pools.delete(python);
    await pool?.close();
  };
}

/** Ends every warm dbt process of this process (worker shutdown, end of a CLI command). */
export async function closeWarmDbt(): Promise<void> {
  const closing = [...pools.values()].map((pool) => pool.close());
  pools.clear();
  await Promise.all(closing);
}

function killAllWarmDbt(): void {
  for (const pool of pools.values()) pool.killAll();
}
