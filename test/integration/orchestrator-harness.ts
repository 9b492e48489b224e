import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePipeline, type LoadedPipeline } from '../../src/config/index.ts';
import { AssetWorker, Orchestrator, type AssetWorkerOptions } from '../../src/jobs/index.ts';
import { orchestratorSettings, type OrchestratorSettings } from '../../src/jobs/settings.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { spawnStrata, type StrataProcess } from '../helpers/cli.ts';
import { deleteKeysAt } from '../helpers/redis.ts';
import { singleRedis, type RedisTarget } from '../helpers/redis-target.ts';

/**
 * Shared set-up for orchestrator tests: a unique Strata key prefix and BullMQ prefix per test
 * (so tests never see each other's runs or jobs), both with the test's own hash tag as in
 * production (so the same tests run on a Redis Cluster, `target`), short lease and stall timings (so a killed
 * worker is recovered in about a second), temp configs, orchestrators, in-process workers and
 * worker subprocesses, and cleanup of everything they created.
 */
export interface Sandbox {
  env: Record<string, string>;
  /** The Redis (or cluster) the sandbox uses: REDIS_URL of its processes. */
  redisUrl: string;
  settings: OrchestratorSettings;
  dir: string;
  writeConfig(yaml: string, name?: string): string;
  pipeline(yaml: string): LoadedPipeline;
  /** An orchestrator on the sandbox's prefixes (a YAML text is parsed first); cleanup closes it. */
  connect(pipeline: LoadedPipeline | string): Promise<Orchestrator>;
  /** A started in-process worker on the sandbox's prefixes, logging nothing; cleanup closes it. */
  startWorker(
    pipeline: LoadedPipeline,
    options?: Omit<AssetWorkerOptions, 'pipeline' | 'settings'>,
  ): Promise<AssetWorker>;
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

export function createSandbox(
  timings: Record<string, string> = {},
  target: RedisTarget = singleRedis,
): Sandbox {
  const id = randomUUID().slice(0, 12);
  const redisUrl = target.url();
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    STRATA_KEY_PREFIX: `{test-${id}}:`,
    STRATA_QUEUE_PREFIX: `{test-${id}}`,
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
  const orchestrators: Orchestrator[] = [];
  const inProcess: AssetWorker[] = [];
  const settings = orchestratorSettings(env);
  const parse = (yaml: string): LoadedPipeline =>
    parsePipeline(yaml, path.join(dir, 'pipeline.yaml'), { ...process.env, ...env });

  return {
    env,
    redisUrl,
    settings,
    dir,
    writeConfig(yaml, name = 'pipeline.yaml') {
      const file = path.join(dir, name);
      writeFileSync(file, yaml);
      return file;
    },
    pipeline: parse,
    async connect(pipeline) {
      const loaded = typeof pipeline === 'string' ? parse(pipeline) : pipeline;
      const orchestrator = await Orchestrator.connect(loaded, { settings, redisUrl });
      orchestrators.push(orchestrator);
      return orchestrator;
    },
    async startWorker(pipeline, options = {}) {
      const worker = new AssetWorker({
        logger: createLogger('test-worker', 'silent'),
        redisUrl,
        ...options,
        pipeline,
        settings,
      });
      inProcess.push(worker);
      await worker.start();
      return worker;
    },
    spawnWorker(configFile, options = {}) {
      const worker = spawnWorker(configFile, { ...env, ...options.env }, options.concurrency ?? 1);
      workers.push(worker);
      return worker;
    },
    async cleanup() {
      for (const worker of inProcess.splice(0)) await worker.close();
      for (const orchestrator of orchestrators.splice(0)) await orchestrator.close();
      for (const w of workers)
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      await deleteKeysAt(redisUrl, `{test-${id}}:`);
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
