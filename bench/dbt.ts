/**
 * dbt benchmark: the same dbt project and lake through plain `dbt build`, Strata (subprocess
 * mode), Strata (warm mode) and Dagster + dagster-dbt, side by side; then 200 no-op assets with
 * diamonds through Strata and Dagster's in-process and multiprocess executors.
 *
 *   npm run bench:dbt [-- --rounds 3 --noops 200 --noop-rounds 1 --only dbt|noops --skip-dagster --json]
 *
 * - request-to-end: from asking for the materialization to its end. Plain dbt: the `dbt build`
 *   process's wall time. Strata: `Orchestrator.submit` to the run's end, with a worker already
 *   running (as in production; round 1 of warm mode includes its first parse). Dagster:
 *   `materialize()` to its return, with the manifest parsed before (as a deployment has it);
 *   its "wall" adds Python start-up, imports and loading the definitions.
 * - dbt's own: the sum of `elapsed_time` of every invocation's run_results.json, i.e. dbt's
 *   run phase without start-up and parse: the floor for the SQL and tests.
 * - overhead per model = (request-to-end - dbt's own) / models built.
 * Each system has its own warehouse file (the same sequence of builds in each: round 1 builds
 * from empty, later rounds run silver incrementally). Systems alternate within each round,
 * the order rotating every round, so a noisy neighbour skews all of them alike.
 * Dagster is installed into STRATA_STACK_DIR/bench-dagster-venv (pinned; dbt-core and every
 * shared package constrained to the stack's requirements.txt); when that fails the Dagster
 * rows are skipped with the reason.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePipeline, type LoadedPipeline } from '../src/config/index.ts';
import { closeWarmDbt, dbtSettings, type DbtMode } from '../src/engines/dbt/index.ts';
import { AssetWorker, Orchestrator, orchestratorSettings } from '../src/jobs/index.ts';
import { createLogger } from '../src/shared/logger.ts';
import { PROJECT_ROOT, serviceSettings } from '../src/shared/settings.ts';
import { deleteKeysUnder } from '../test/helpers/redis.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'skip-dagster': { type: 'boolean', default: false },
    noops: { type: 'string', default: '200' },
    // Dagster's multiprocess executor starts a Python process per step: 200 steps take many
    // minutes on a small machine, so the no-op comparison runs once unless asked for more.
    'noop-rounds': { type: 'string', default: '1' },
    /** `dbt` or `noops`: one part only (each is side by side within itself). */
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const PARTS = new Set(values.only ? [values.only] : ['dbt', 'noops']);
const ROUNDS = Number(values.rounds);
const NOOPS = Number(values.noops);
const NOOP_ROUNDS = Number(values['noop-rounds']);
const DBT_PROJECT = path.join(PROJECT_ROOT, 'dbt');
// The fixture lake's newest record is 2026-11-25T02:50Z: pinned `as_of` keeps every test passing.
const VARS = { as_of: '2026-11-25T03:00:00Z' };
const GOLD_SELECT = ['crypto_curated', 'config.meta.strata_asset:crypto_curated'];
const DAGSTER_PINS = ['dagster==1.13.27', 'dagster-dbt==0.29.27'];
const redisUrl = serviceSettings().redisUrl;
const progress = (message: string): void => void process.stderr.write(`[bench:dbt] ${message}\n`);

interface Sample {
  requestToEndMs: number;
  /** Wall time including process start-up, where it differs (Dagster). */
  wallMs?: number;
  dbtOwnMs: number;
  models: number;
}

interface System {
  name: string;
  build(selection: 'all' | 'gold'): Promise<Sample>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- processes

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Exit> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on(
      'data',
      (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)),
    );
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({ code, stdout, stderr, wallMs: Math.round(performance.now() - started) }),
    );
  });
}

async function runResults(targetDir: string): Promise<{ elapsedMs: number; models: number }> {
  const parsed = JSON.parse(await readFile(path.join(targetDir, 'run_results.json'), 'utf8')) as {
    elapsed_time: number;
    results: { unique_id: string }[];
  };
  return {
    elapsedMs: Math.round(parsed.elapsed_time * 1000),
    models: parsed.results.filter((r) => r.unique_id.startsWith('model.')).length,
  };
}

// ---------------------------------------------------------------- plain dbt

function plainDbt(root: string, lake: string): System {
  const duckdb = path.join(root, 'plain.duckdb');
  return {
    name: 'plain dbt build',
    async build(selection) {
      const target = path.join(root, 'plain-target', randomUUID().slice(0, 8));
      const exit = await run(
        dbtSettings().dbtBin,
        [
          'build',
          ...(selection === 'gold'
            ? ['--select', ...GOLD_SELECT, '--indirect-selection', 'buildable']
            : []),
          '--vars',
          JSON.stringify(VARS),
          '--project-dir',
          DBT_PROJECT,
          '--profiles-dir',
          DBT_PROJECT,
          '--target',
          'local',
          '--target-path',
          target,
          '--log-path',
          path.join(target, 'logs'),
        ],
        { STRATA_DUCKDB_PATH: duckdb, STRATA_LAKE_PATH: lake },
      );
      if (exit.code !== 0) throw new Error(`plain dbt build failed:\n${exit.stdout.slice(-3000)}`);
      const results = await runResults(target);
      return { requestToEndMs: exit.wallMs, dbtOwnMs: results.elapsedMs, models: results.models };
    },
    close: () => Promise.resolve(),
  };
}

// ---------------------------------------------------------------- Strata

function strataPipeline(root: string, lake: string, mode: DbtMode): LoadedPipeline {
  const text = `version: 1
assets:
  raw_crypto_batches:
    kind: kafka_batches
  crypto_raw:
    kind: dbt
    deps: [raw_crypto_batches]
  crypto_stage:
    kind: dbt
    deps: [crypto_raw]
  crypto_curated:
    kind: dbt
    deps: [crypto_stage]
storage:
  path: ${lake}
engine:
  kind: duckdb
  dbtProject: ${DBT_PROJECT}
  duckdb:
    path: ${path.join(root, `strata-${mode}.duckdb`)}
  dbt:
    mode: ${mode}
    vars: ${JSON.stringify(VARS)}
`;
  return parsePipeline(text, path.join(root, 'config', `strata-${mode}.yaml`));
}

interface StrataHarness {
  orchestrator: Orchestrator;
  worker: AssetWorker;
  prefix: string;
  close(): Promise<void>;
}

async function strataHarness(
  pipeline: LoadedPipeline,
  concurrency: number,
): Promise<StrataHarness> {
  const prefix = `bench-dbt-${randomUUID().slice(0, 8)}`;
  const settings = {
    ...orchestratorSettings(),
    keyPrefix: `${prefix}:`,
    queuePrefix: `${prefix}-q`,
  };
  const orchestrator = await Orchestrator.connect(pipeline, { redisUrl, settings });
  const worker = new AssetWorker({
    pipeline,
    settings,
    redisUrl,
    concurrency,
    logger: createLogger('bench', 'warn'),
  });
  await worker.start();
  return {
    orchestrator,
    worker,
    prefix,
    async close() {
      await worker.close();
      await orchestrator.close();
      await deleteKeysUnder(`${prefix}:`);
      await deleteKeysUnder(`${prefix}-q:`);
    },
  };
}

async function strata(root: string, lake: string, mode: DbtMode): Promise<System> {
  const harness = await strataHarness(strataPipeline(root, lake, mode), 1);
  const { orchestrator } = harness;
  return {
    name: `Strata (${mode})`,
    async build(selection) {
      const started = performance.now();
      const { runId, assets } = await orchestrator.submit({
        selection: selection === 'gold' ? 'crypto_curated' : '*',
      });
      const finished = await orchestrator.waitForRun(runId);
      const requestToEndMs = Math.round(performance.now() - started);
      if (finished.status !== 'succeeded')
        throw new Error(`Strata run ${runId} ${finished.status}`);
      let dbtOwnMs = 0;
      let models = 0;
      for (const asset of assets.filter((a) => a !== 'raw_crypto_batches')) {
        const [record] = await orchestrator.events.materializations(asset);
        if (record?.runId !== runId) throw new Error(`no materialization of ${asset} in ${runId}`);
        dbtOwnMs += Number(record.metadata.dbtRunElapsedMs ?? 0);
        // The gold asset builds its table and the KPI view.
        models += asset === 'crypto_curated' ? 2 : 1;
      }
      return { requestToEndMs, dbtOwnMs, models };
    },
    close: () => harness.close(),
  };
}

// ---------------------------------------------------------------- Dagster

function dagsterVenv(): string {
  const stackDir = path.resolve(PROJECT_ROOT, process.env.STRATA_STACK_DIR ?? '.stack');
  return path.join(stackDir, 'bench-dagster-venv');
}

/** Installs Dagster into its own venv once; returns its Python, or why it could not. */
async function installDagster(): Promise<{ python: string } | { skipped: string }> {
  const venv = dagsterVenv();
  const python = path.join(venv, 'bin', 'python');
  const constraints = path.join(PROJECT_ROOT, 'scripts', 'stack', 'requirements.txt');
  const stamp = path.join(venv, 'strata-bench.txt');
  const wanted = [...DAGSTER_PINS, await readFile(constraints, 'utf8')].join('\n');
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === wanted) return { python };
  progress(`installing ${DAGSTER_PINS.join(' ')} into ${venv} (once)`);
  const created = await run('python3', ['-m', 'venv', venv]);
  if (created.code !== 0) return { skipped: `python3 -m venv failed: ${created.stderr.trim()}` };
  const installed = await run(path.join(venv, 'bin', 'pip'), [
    'install',
    '--disable-pip-version-check',
    '-q',
    '-c',
    constraints,
    ...DAGSTER_PINS,
    'dbt-core',
    'dbt-duckdb',
  ]);
  if (installed.code !== 0) {
    return {
      skipped: `pip install failed: ${installed.stderr.trim().split('\n').slice(-3).join(' ')}`,
    };
  }
  await writeFile(stamp, wanted);
  return { python };
}

function dagster(python: string, root: string, lake: string): System {
  const duckdb = path.join(root, 'dagster.duckdb');
  const script = path.join(PROJECT_ROOT, 'bench', 'dagster', 'dbt_assets_bench.py');
  return {
    name: 'Dagster + dagster-dbt',
    async build(selection) {
      const work = path.join(root, 'dagster-work', randomUUID().slice(0, 8));
      await mkdir(work, { recursive: true });
      const exit = await run(
        python,
        [
          script,
          '--project-dir',
          DBT_PROJECT,
          '--work-dir',
          work,
          '--vars',
          JSON.stringify(VARS),
          ...(selection === 'gold' ? ['--select', GOLD_SELECT.join(' ')] : []),
        ],
        {
          STRATA_DUCKDB_PATH: duckdb,
          STRATA_LAKE_PATH: lake,
          DAGSTER_HOME: work,
          DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
        },
      );
      const line = exit.stdout.trim().split('\n').at(-1) ?? '';
      if (exit.code !== 0 || line === '')
        throw new Error(`Dagster failed:\n${exit.stderr.slice(-3000)}`);
      const result = JSON.parse(line) as {
        requestToEndMs: number;
        dbtRunElapsedMs: number;
        models: number;
        success: boolean;
      };
      if (!result.success) throw new Error(`Dagster run failed:\n${exit.stderr.slice(-3000)}`);
      return {
        requestToEndMs: result.requestToEndMs,
        wallMs: exit.wallMs,
        dbtOwnMs: result.dbtRunElapsedMs,
        models: result.models,
      };
    },
    close: () => Promise.resolve(),
  };
}

// ---------------------------------------------------------------- no-op assets

/** `n` no-op assets as chained diamonds: top -> left, right -> bottom -> next top. */
function diamonds(n: number): Record<string, string[]> {
  const graph: Record<string, string[]> = {};
  let previous: string | undefined;
  for (let d = 0; Object.keys(graph).length < n; d++) {
    const [top, left, right, bottom] = ['top', 'left', 'right', 'bottom'].map((p) => `${p}_${d}`);
    graph[top!] = previous ? [previous] : [];
    graph[left!] = [top!];
    graph[right!] = [top!];
    graph[bottom!] = [left!, right!];
    previous = bottom;
  }
  return graph;
}

async function strataNoops(root: string, graph: Record<string, string[]>): Promise<number> {
  const lines = ['version: 1', 'assets:'];
  for (const [name, deps] of Object.entries(graph)) {
    lines.push(`  ${name}:`, '    kind: noop', `    deps: [${deps.join(', ')}]`);
  }
  const pipeline = parsePipeline(`${lines.join('\n')}\n`, path.join(root, 'config', 'noops.yaml'));
  const harness = await strataHarness(pipeline, 2);
  try {
    const started = performance.now();
    const { runId } = await harness.orchestrator.submit({ selection: '*' });
    const finished = await harness.orchestrator.waitForRun(runId);
    if (finished.status !== 'succeeded') throw new Error(`no-op run ${runId} ${finished.status}`);
    return Math.round(performance.now() - started);
  } finally {
    await harness.close();
  }
}

async function dagsterNoops(
  python: string,
  graphFile: string,
  executor: 'in_process' | 'multiprocess',
): Promise<{ requestToEndMs: number; wallMs: number }> {
  const exit = await run(python, [path.join(PROJECT_ROOT, 'bench', 'dagster', 'noop_bench.py')], {
    STRATA_BENCH_GRAPH: graphFile,
    STRATA_BENCH_EXECUTOR: executor,
  });
  const line = exit.stdout.trim().split('\n').at(-1) ?? '';
  if (exit.code !== 0 || line === '')
    throw new Error(`Dagster no-ops failed:\n${exit.stderr.slice(-3000)}`);
  const result = JSON.parse(line) as { requestToEndMs: number; success: boolean };
  if (!result.success) throw new Error('Dagster no-op run failed');
  return { requestToEndMs: result.requestToEndMs, wallMs: exit.wallMs };
}

// ---------------------------------------------------------------- report

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

function row(name: string, samples: readonly Sample[], plain: readonly Sample[]): string {
  const cell = (pick: (s: Sample) => number | undefined): string =>
    samples
      .map((s) => {
        const v = pick(s);
        return v === undefined ? '-' : seconds(v);
      })
      .join(' / ');
  const overhead = samples
    .map((s) => ((s.requestToEndMs - s.dbtOwnMs) / Math.max(1, s.models) / 1000).toFixed(2))
    .join(' / ');
  const ratio = samples
    .map((s, i) => (s.requestToEndMs / (plain[i]?.requestToEndMs ?? NaN)).toFixed(2))
    .join(' / ');
  const wall = samples.some((s) => s.wallMs !== undefined)
    ? ` (wall ${cell((s) => s.wallMs)})`
    : '';
  return `| ${name} | ${cell((s) => s.requestToEndMs)}${wall} | ${cell((s) => s.dbtOwnMs)} | ${overhead} | ${ratio} |`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const root = path.join(tmpdir(), `strata-bench-dbt-${randomUUID().slice(0, 8)}`);
  const lake = path.join(root, 'lake');
  await mkdir(path.join(root, 'config'), { recursive: true });
  for (const set of ['clean', 'batch2'])
    await cp(path.join(PROJECT_ROOT, 'test', 'fixtures', 'lake', set), lake, { recursive: true });
  const dagsterPython = values['skip-dagster']
    ? { skipped: '--skip-dagster' }
    : await installDagster();
  if ('skipped' in dagsterPython) progress(`Dagster skipped: ${dagsterPython.skipped}`);

  const systems: System[] = PARTS.has('dbt')
    ? [
        plainDbt(root, lake),
        await strata(root, lake, 'subprocess'),
        await strata(root, lake, 'warm'),
        ...('python' in dagsterPython ? [dagster(dagsterPython.python, root, lake)] : []),
      ]
    : [];
  const results = new Map<string, { all: Sample[]; gold: Sample[] }>(
    systems.map((s) => [s.name, { all: [], gold: [] }]),
  );
  try {
    for (const selection of ['all', 'gold'] as const) {
      for (let round = 0; round < ROUNDS; round++) {
        const order = systems.map((_, i) => systems[(i + round) % systems.length]!);
        for (const system of order) {
          progress(`${selection} round ${round + 1}: ${system.name}`);
          const sample = await system.build(selection);
          results.get(system.name)![selection].push(sample);
          progress(`  ${JSON.stringify(sample)}`);
        }
      }
    }
  } finally {
    for (const system of systems) await system.close();
    await closeWarmDbt();
  }

  const graph = diamonds(NOOPS);
  const graphFile = path.join(root, 'noops.json');
  await writeFile(graphFile, JSON.stringify(graph));
  const noops: { name: string; samples: { requestToEndMs: number; wallMs?: number }[] }[] = [
    { name: 'Strata (worker concurrency 2)', samples: [] },
  ];
  if ('python' in dagsterPython) {
    noops.push({ name: 'Dagster, in-process executor', samples: [] });
    noops.push({ name: 'Dagster, multiprocess executor', samples: [] });
  }
  for (let round = 0; round < (PARTS.has('noops') ? NOOP_ROUNDS : 0); round++) {
    progress(`no-op round ${round + 1}`);
    noops[0]!.samples.push({ requestToEndMs: await strataNoops(root, graph) });
    progress(`  Strata ${JSON.stringify(noops[0]!.samples.at(-1))}`);
    if ('python' in dagsterPython) {
      noops[1]!.samples.push(await dagsterNoops(dagsterPython.python, graphFile, 'in_process'));
      progress(`  Dagster in-process ${JSON.stringify(noops[1]!.samples.at(-1))}`);
      noops[2]!.samples.push(await dagsterNoops(dagsterPython.python, graphFile, 'multiprocess'));
      progress(`  Dagster multiprocess ${JSON.stringify(noops[2]!.samples.at(-1))}`);
    }
  }
  await rm(root, { recursive: true, force: true });

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ results: Object.fromEntries(results), noops }, null, 2)}\n`,
    );
    return;
  }
  const plain = results.get('plain dbt build')!;
  const header = [
    "| system | request-to-end s | dbt's own s | overhead per model s | ratio to plain dbt |",
    '| --- | --: | --: | --: | --: |',
  ];
  const out: string[] = [];
  for (const selection of ['all', 'gold'] as const) {
    out.push(
      '',
      selection === 'all' ? `Whole graph (rounds 1 / 2 / ...):` : 'Gold only:',
      '',
      ...header,
    );
    for (const [name, samples] of results)
      out.push(row(name, samples[selection], plain[selection]));
  }
  if ('skipped' in dagsterPython) out.push('', `Dagster skipped: ${dagsterPython.skipped}`);
  out.push('', `${NOOPS} no-op assets (chained diamonds), request-to-end s per round:`, '');
  out.push('| system | request-to-end s |', '| --- | --: |');
  for (const { name, samples } of noops) {
    const text = samples
      .map((s) => `${seconds(s.requestToEndMs)}${s.wallMs ? ` (wall ${seconds(s.wallMs)})` : ''}`)
      .join(' / ');
    out.push(`| ${name} | ${text} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
