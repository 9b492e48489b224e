/**
 * CLI start-up benchmark: wall time of `strata --help`, `strata validate` and `strata graph` on
 * the shipped config, side by side with bare `node -e 0` in the same run, and the resident memory
 * of an idle `strata worker` process beside an idle bare node process.
 *
 *   npm run bench:cli [-- --rounds 15 --settle 3s --json]
 *
 * Every command runs as users run it, `node bin/strata.js <args>` from dist/ (the bench builds
 * first when dist/ is stale, since a stale dist/ would time tsx instead). Each round runs every
 * command once, in an order rotated per round, so a noisy neighbour on a small machine hits all
 * of them alike; the median round is reported, and "above node" is the median's difference from
 * bare node's. The `--help` row through tsx is what bin/strata.js falls back to (sources).
 *
 * The worker runs on a unique key and queue prefix (it takes no job), is read once it logged
 * "worker started" and sat idle for --settle, then stopped with SIGTERM; its keys are deleted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../src/shared/durations.ts';
import { PROJECT_ROOT } from '../src/shared/settings.ts';
import { deleteKeysUnder } from '../test/helpers/redis.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    settle: { type: 'string', default: '3s' },
    json: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const SETTLE_MS = parseDuration(values.settle) ?? 3_000;
const BIN = path.join(PROJECT_ROOT, 'bin', 'strata.js');
const CONFIG = path.join(PROJECT_ROOT, 'config', 'pipeline.yaml');

interface Case {
  name: string;
  args: string[];
}

const CASES: Case[] = [
  { name: 'node -e 0 (reference)', args: ['-e', '0'] },
  { name: 'strata --help', args: [BIN, '--help'] },
  { name: 'strata validate', args: [BIN, '--config', CONFIG, 'validate'] },
  { name: 'strata graph', args: [BIN, '--config', CONFIG, 'graph'] },
  {
    name: 'strata --help through tsx (fallback)',
    args: ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), '--help'],
  },
];

function buildIfStale(): void {
  const build = spawnSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'scripts/build/build.js'), '--if-stale'],
    { cwd: PROJECT_ROOT, stdio: 'inherit' },
  );
  if (build.status !== 0) throw new Error('build failed');
}

/** Wall time of one run, in ms; fails on a non-zero exit or on any output to stderr. */
function timeOnce(c: Case): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, c.args, { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0 || run.stderr !== '') {
    throw new Error(`${c.name} exited ${run.status}: ${run.stderr}`);
  }
  return ms;
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return Math.round(value ?? NaN);
}

function timeCommands(): Map<string, number[]> {
  const samples = new Map(CASES.map((c) => [c.name, [] as number[]]));
  for (const c of CASES) timeOnce(c); // warm-up: disk cache, not counted
  for (let round = 0; round < ROUNDS; round++) {
    const order = CASES.map((_, i) => CASES[(i + round) % CASES.length] as Case);
    for (const c of order) samples.get(c.name)?.push(timeOnce(c));
  }
  return samples;
}

interface Memory {
  rssMb: number;
  anonMb: number;
  fileMb: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  const mb = (field: string): number => Math.round(kb(field) / 102.4) / 10;
  return { rssMb: mb('VmRSS'), anonMb: mb('RssAnon'), fileMb: mb('RssFile') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts `node <args>`, waits for `ready` in its output (if any) and --settle, reads memory. */
async function idleMemory(args: string[], env: NodeJS.ProcessEnv, ready?: string): Promise<Memory> {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    if (ready) {
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          if (output.includes(ready)) resolve();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then((code) =>
          reject(new Error(`exited ${code} before "${ready}": ${output}`)),
        );
      });
    }
    await sleep(SETTLE_MS);
    if (child.pid === undefined) throw new Error('no pid');
    return memoryOf(child.pid);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function workerMemory(): Promise<{ worker: Memory; node: Memory }> {
  const id = randomUUID().slice(0, 8);
  const env = {
    STRATA_KEY_PREFIX: `bench-cli-${id}:`,
    STRATA_QUEUE_PREFIX: `bench-cli-${id}`,
    STRATA_LOG_LEVEL: 'info',
  };
  try {
    const worker = await idleMemory([BIN, '--config', CONFIG, 'worker'], env, 'worker started');
    const node = await idleMemory(['-e', 'setInterval(() => {}, 1000)'], {});
    return { worker, node };
  } finally {
    await deleteKeysUnder(env.STRATA_KEY_PREFIX, `${env.STRATA_QUEUE_PREFIX}:`);
  }
}

async function main(): Promise<void> {
  buildIfStale();
  const load = loadavg()[0]?.toFixed(1);
  const samples = timeCommands();
  const reference = median(samples.get(CASES[0]?.name ?? '') ?? []);
  const commands = CASES.map((c) => {
    const all = samples.get(c.name) ?? [];
    const ms = median(all);
    return {
      name: c.name,
      medianMs: ms,
      minMs: Math.round(Math.min(...all)),
      aboveNodeMs: ms - reference,
    };
  });
  const memory = await workerMemory();
  const result = {
    node: process.version,
    rounds: ROUNDS,
    loadAverage: Number(load),
    commands,
    memory,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const lines = [
    `Node ${process.version}, ${ROUNDS} rounds, load average ${load} at the start`,
    '',
    '| command | median ms | min ms | above node -e 0 (median) |',
    '| --- | ---: | ---: | ---: |',
    ...commands.map((c) => `| ${c.name} | ${c.medianMs} | ${c.minMs} | ${c.aboveNodeMs} |`),
    '',
    '| idle process | RSS MB | anonymous MB | file-backed MB |',
    '| --- | ---: | ---: | ---: |',
    `| strata worker | ${memory.worker.rssMb} | ${memory.worker.anonMb} | ${memory.worker.fileMb} |`,
    `| node (reference) | ${memory.node.rssMb} | ${memory.node.anonMb} | ${memory.node.fileMb} |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
