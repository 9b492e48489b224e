import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePipeline, type LoadedPipeline } from '../../src/assets/config/index.ts';
import { orchestratorSettings, type OrchestratorSettings } from '../../src/jobs/settings.ts';
import { spawnStrata, type StrataProcess } from '../helpers/cli.ts';
import { deleteKeysUnder } from '../helpers/redis.ts';

/**
 * Shared set-up for orchestrator tests: a unique Strata key prefix and BullMQ prefix per test
 * (so tests never see each other's runs or jobs), short lease and stall timings (so a killed
 * worker is recovered in about a second), temp configs, worker subprocesses, and cleanup of
 * everything they created.
 */
export interface Sandbox {
  env: Record<string, string>;
  settings: OrchestratorSettings;
  dir: string;
  writeConfig(yaml: string, name?: string): string;
  pipeline(yaml: string): LoadedPipeline;
  spawnWorker(
    configFile: string,
    options?: { concurrency?: number; env?: Record<string, string> },
  ): WorkerProcess;
  cleanup(): Promise<void>;
}

export interface WorkerProcess extends StrataProcess {
  /** Resolves once the worker logged that it started. */
  ready: Promise<void>;
}

export function createSandbox(timings: Record<string, string> = {}): Sandbox {
  const id = randomUUID().slice(0, 12);
  const env: Record<string, string> = {
    STRATA_KEY_PREFIX: `test-${id}:`,
    STRATA_QUEUE_PREFIX: `test-${id}`,
    STRATA_LEASE_TTL_MS: '1500',
    STRATA_LOCK_DURATION_MS: '1500',
    STRATA_STALLED_INTERVAL_MS: '500',
    STRATA_MAX_STALLED_COUNT: '3',
    STRATA_RETRY_BASE_MS: '100',
    STRATA_SHUTDOWN_GRACE_MS: '5000',
    STRATA_LOG_LEVEL: 'warn',
    ...timings,
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'strata-orch-'));
  const workers: WorkerProcess[] = [];
  const settings = orchestratorSettings(env);

  return {
    env,
    settings,
    dir,
    writeConfig(yaml, name = 'pipeline.yaml') {
      const file = path.join(dir, name);
      writeFileSync(file, yaml);
      return file;
    },
    pipeline(yaml) {
      return parsePipeline(yaml, path.join(dir, 'pipeline.yaml'), { ...process.env, ...env });
    },
    spawnWorker(configFile, options = {}) {
      const worker = spawnWorker(configFile, { ...env, ...options.env }, options.concurrency ?? 1);
      workers.push(worker);
      return worker;
    },
    async cleanup() {
      for (const w of workers)
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      await deleteKeysUnder(`test-${id}:`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function spawnWorker(
  configFile: string,
  env: Record<string, string>,
  concurrency: number,
): WorkerProcess {
  const worker = spawnStrata(['-c', configFile, 'worker', '--concurrency', String(concurrency)], {
    ...env,
    STRATA_LOG_LEVEL: 'info',
  });
  const ready = new Promise<void>((resolve) => {
    const started = (): void => {
      if (worker.output().includes('worker started')) resolve();
    };
    worker.child.stdout?.on('data', started);
    worker.child.stderr?.on('data', started);
  });
  return { ...worker, ready };
}

/** A graph of `n` noop assets in layers, each asset depending on up to two of the layer above (diamonds). */
export function diamondGraphYaml(
  n: number,
  options: { width?: number; sleep?: string } = {},
): string {
  const width = options.width ?? 10;
  const lines = ['version: 1', 'runs:', '  retries: 1', 'assets:'];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const deps: string[] = [];
    if (layer > 0) {
      const above = (layer - 1) * width;
      const pos = i % width;
      deps.push(`a${above + pos}`);
      deps.push(`a${above + ((pos + 1) % width)}`);
    }
    lines.push(`  a${i}:`, '    kind: noop');
    if (options.sleep) lines.push(`    sleep: ${options.sleep}`);
    if (deps.length > 0) lines.push(`    deps: [${deps.join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}
