/**
 * Orchestrator benchmark: no-op assets through Strata side by side with plain BullMQ jobs on the
 * same Redis (the ceiling: Strata adds run state, leases, pools and the event log on top).
 *
 *   npm run bench:orchestrator [-- --jobs 2000 --concurrency 16 --latency-jobs 200 --chain 100 --rounds 5]
 *   npm run bench:orchestrator -- --redis cluster
 *
 * With `--redis cluster` the same figures are taken, in the same rounds, on REDIS_URL (single
 * Redis) and on a local 3-master Redis Cluster that the benchmark starts on free ports (as
 * `strata stack up --redis cluster` does) and stops at the end.
 *
 * - throughput: N jobs enqueued at once, one in-process worker with the given concurrency;
 * - enqueue-to-start latency, unsaturated: jobs enqueued one by one every 10 ms, so the figure
 *   is the system's overhead, not time spent queueing behind other jobs;
 * - handoff (Strata only): a chain of no-op assets; time from an asset's end to its dependent's
 *   start, the step BullMQ flows cannot do for diamonds.
 * A warm-up round (both sides, not counted) lets the JIT settle; then plain and Strata alternate
 * within each round (order flipped every round) and the median round is reported, so a noisy
 * neighbour on a small machine skews both sides alike.
 * Each side uses its own unique queue and key prefix and deletes them afterwards.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Queue, Worker, type Job } from 'bullmq';
import { parsePipeline, type LoadedPipeline } from '../src/config/index.ts';
import { AssetWorker, Orchestrator, orchestratorSettings } from '../src/jobs/index.ts';
import { closeRedis, connectRedis } from '../src/redis/connection.ts';
import { clusterUrl } from '../src/redis/url.ts';
import { createLogger } from '../src/shared/logger.ts';
import { PROJECT_ROOT, serviceSettings } from '../src/shared/settings.ts';
import { resolveStackConfig, stackDown, stackUp, type StackConfig } from '../src/stack/index.ts';
import { freeRedisClusterPorts } from '../test/helpers/ports.ts';
import { deleteKeysAt } from '../test/helpers/redis.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    'latency-jobs': { type: 'string', default: '200' },
    chain: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    redis: { type: 'string', default: 'single' },
    json: { type: 'boolean', default: false },
  },
});
const JOBS = Number(values.jobs);
const CONCURRENCY = Number(values.concurrency);
const LATENCY_JOBS = Number(values['latency-jobs']);
const CHAIN = Number(values.chain);
const ROUNDS = Number(values.rounds);
const GAP_MS = 10;
if (values.redis !== 'single' && values.redis !== 'cluster') {
  process.stderr.write('--redis must be single or cluster\n');
  process.exit(2);
}

interface Side {
  throughput(): Promise<number>;
  /** Enqueue-to-start samples (ms) of jobs enqueued one by one. */
  latency(): Promise<number[]>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[index] ?? NaN) * 10) / 10;
}

// ---------------------------------------------------------------- plain BullMQ

async function plainBullmq(redisUrl: string): Promise<Side> {
  // Hash-tagged, as Strata's own prefixes: on a cluster BullMQ needs a queue's keys in one slot.
  const prefix = `{bench-${randomUUID().slice(0, 8)}}`;
  const connection = await connectRedis(redisUrl);
  const queue = new Queue('plain', { connection, prefix });
  let onJob: (job: Job) => void = () => undefined;
  const worker = new Worker(
    'plain',
    (job) => {
      onJob(job);
      return Promise.resolve();
    },
    { connection, prefix, concurrency: CONCURRENCY, removeOnComplete: { count: 1000 } },
  );
  await worker.waitUntilReady();
  const expect = (count: number, each: (job: Job) => void = () => undefined): Promise<void> =>
    new Promise((resolve) => {
      let seen = 0;
      onJob = (job) => {
        each(job);
        if (++seen === count) resolve();
      };
    });
  return {
    async throughput() {
      const finished = expect(JOBS);
      const t0 = performance.now();
      for (let i = 0; i < JOBS; i += 500) {
        await queue.addBulk(
          Array.from({ length: Math.min(500, JOBS - i) }, (_, j) => ({
            name: 'noop',
            data: { i: i + j },
          })),
        );
      }
      await finished;
      return JOBS / ((performance.now() - t0) / 1000);
    },
    async latency() {
      const samples: number[] = [];
      const finished = expect(LATENCY_JOBS, (job) => samples.push(Date.now() - job.timestamp));
      for (let i = 0; i < LATENCY_JOBS; i++) {
        await queue.add('noop', { i });
        await sleep(GAP_MS);
      }
      await finished;
      return samples;
    },
    async close() {
      await worker.close();
      await queue.close();
      await closeRedis(connection);
      await deleteKeysAt(redisUrl, `${prefix}:`);
    },
  };
}

// ---------------------------------------------------------------- Strata

/** No-op assets `prefix0..n-1` with a tag, independent or each depending on the one before. */
function noopAssets(prefix: string, tag: string, n: number, chain: boolean): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`  ${prefix}${i}:`, '    kind: noop', `    tags: [${tag}]`);
    if (chain && i > 0) lines.push(`    deps: [${prefix}${i - 1}]`);
  }
  return lines;
}

function benchPipeline(): LoadedPipeline {
  const lines = [
    'version: 1',
    'runs:',
    // Keep every latency run: its figures are read back from the runs.
    `  retainPerAsset: ${LATENCY_JOBS * ROUNDS + 10}`,
    'assets:',
    ...noopAssets('w', 'wide', JOBS, false),
    ...noopAssets('c', 'chain', CHAIN, true),
    '  one:',
    '    kind: noop',
  ];
  return parsePipeline(`${lines.join('\n')}\n`, path.join(PROJECT_ROOT, 'config', 'bench.yaml'));
}

interface StrataSide extends Side {
  handoffs(): Promise<number[]>;
}

async function strata(redisUrl: string): Promise<StrataSide> {
  const id = randomUUID().slice(0, 8);
  const settings = {
    ...orchestratorSettings(),
    keyPrefix: `{bench-${id}}:`,
    queuePrefix: `{bench-${id}}`,
  };
  const pipeline = benchPipeline();
  const orchestrator = await Orchestrator.connect(pipeline, { redisUrl, settings });
  const worker = new AssetWorker({
    pipeline,
    settings,
    redisUrl,
    concurrency: CONCURRENCY,
    logger: createLogger('bench', 'warn'),
  });
  await worker.start();
  const runToEnd = async (selection: string): Promise<string> => {
    const { runId } = await orchestrator.submit({ selection });
    // Poll the status only: following thousands of events would compete with the worker for CPU.
    for (;;) {
      const status = await orchestrator.runs.status(runId);
      if (status === 'succeeded') return runId;
      if (status !== 'queued' && status !== 'running')
        throw new Error(`bench run ${runId} ended ${status}`);
      await sleep(20);
    }
  };
  return {
    async throughput() {
      const t0 = Date.now();
      const runId = await runToEnd('tag:wide');
      // Only the end time: reading the whole run back (2000 records) is not the system's work.
      const endedAt = Number(
        await orchestrator.redis.hget(orchestrator.keys.run(runId), 'endedAt'),
      );
      return JOBS / ((endedAt - t0) / 1000);
    },
    async latency() {
      const runIds: string[] = [];
      for (let i = 0; i < LATENCY_JOBS; i++) {
        runIds.push((await orchestrator.submit({ selection: 'one' })).runId);
        await sleep(GAP_MS);
      }
      const samples: number[] = [];
      for (const runId of runIds) {
        const run = await orchestrator.waitForRun(runId);
        const info = run.assetStates[0]?.info;
        if (info?.startedAt === undefined || info.enqueuedAt === undefined)
          throw new Error(`run ${runId} has no timings`);
        samples.push(info.startedAt - info.enqueuedAt);
      }
      return samples;
    },
    async handoffs() {
      const run = await orchestrator.runs.get(await runToEnd('tag:chain'));
      const infos = run?.assetStates.map((a) => a.info) ?? [];
      return infos.slice(1).map((info, i) => (info.startedAt ?? NaN) - (infos[i]?.endedAt ?? NaN));
    },
    async close() {
      await worker.close();
      await orchestrator.close();
      await deleteKeysAt(redisUrl, settings.keyPrefix);
    },
  };
}

// ---------------------------------------------------------------- Redis targets

interface Target {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** A 3-master cluster of the stack's kind on free ports, in a state folder of its own. */
async function localCluster(): Promise<Target> {
  const nodes = (await freeRedisClusterPorts(3)).map((port) => ({ host: '127.0.0.1', port }));
  const stateDir = await mkdtemp(path.join(tmpdir(), 'strata-bench-redis-cluster-'));
  const config: StackConfig = resolveStackConfig({
    ...process.env,
    REDIS_URL: clusterUrl(nodes),
    STRATA_STACK_DIR: stateDir,
  });
  const quiet = (): void => undefined;
  await stackUp({ services: ['redis'], config, onProgress: quiet });
  return {
    name: 'cluster',
    url: config.redisUrl,
    async stop() {
      await stackDown({ services: ['redis'], config, onProgress: quiet });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- rounds

type SideName = `${'plain' | 'strata'}@${string}`;

const targets: Target[] = [
  { name: 'single', url: serviceSettings().redisUrl, stop: () => Promise.resolve() },
];
if (values.redis === 'cluster') targets.push(await localCluster());
const sides = new Map<SideName, Side>();
const strataSides = new Map<string, StrataSide>();
for (const target of targets) {
  sides.set(`plain@${target.name}`, await plainBullmq(target.url));
  const ours = await strata(target.url);
  strataSides.set(target.name, ours);
  sides.set(`strata@${target.name}`, ours);
}
const names = [...sides.keys()];
const throughputs = new Map<SideName, number[]>(names.map((n) => [n, []]));
const latencies = new Map<SideName, number[]>(names.map((n) => [n, []]));
/** This process's CPU time per job in the throughput phase (us): robust to a noisy neighbour. */
const cpuPerJob = new Map<SideName, number[]>(names.map((n) => [n, []]));
const median = (xs: number[]): number => percentile(xs, 50);

interface Figures {
  throughputPerSec: number;
  throughputRounds: number[];
  cpuMicrosPerJob: number;
  latencyMs: { p50: number; p99: number };
  handoffMs?: { p50: number; p99: number };
}

try {
  for (const side of sides.values()) await side.throughput();
  for (let round = 0; round < ROUNDS; round++) {
    const order = [...sides.entries()];
    if (round % 2 === 1) order.reverse();
    for (const [name, side] of order) {
      const before = process.cpuUsage();
      throughputs.get(name)!.push(await side.throughput());
      const used = process.cpuUsage(before);
      cpuPerJob.get(name)!.push((used.user + used.system) / JOBS);
    }
    for (const [name, side] of order) latencies.get(name)!.push(...(await side.latency()));
  }
  const figures: Record<string, Figures> = {};
  for (const name of names) {
    const lat = latencies.get(name)!;
    figures[name] = {
      throughputPerSec: Math.round(median(throughputs.get(name)!)),
      throughputRounds: throughputs.get(name)!.map(Math.round),
      cpuMicrosPerJob: Math.round(median(cpuPerJob.get(name)!)),
      latencyMs: { p50: percentile(lat, 50), p99: percentile(lat, 99) },
    };
  }
  for (const [target, ours] of strataSides) {
    const handoffs = await ours.handoffs();
    figures[`strata@${target}`]!.handoffMs = {
      p50: percentile(handoffs, 50),
      p99: percentile(handoffs, 99),
    };
  }
  const ratios = Object.fromEntries(
    targets.map((t) => [
      t.name,
      Math.round(
        (figures[`strata@${t.name}`]!.throughputPerSec /
          figures[`plain@${t.name}`]!.throughputPerSec) *
          100,
      ) / 100,
    ]),
  );
  const result = {
    jobs: JOBS,
    concurrency: CONCURRENCY,
    latencyJobsPerRound: LATENCY_JOBS,
    chain: CHAIN,
    rounds: ROUNDS,
    redis: targets.map((t) => ({ name: t.name, url: t.url })),
    figures,
    throughputRatio: ratios,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const label = (name: string): string => {
      const [system, target] = name.split('@');
      const who = system === 'plain' ? 'plain BullMQ' : 'Strata';
      return targets.length > 1 ? `${who} (${target})` : who;
    };
    const row = (name: string): string => {
      const f = figures[name]!;
      return [
        label(name).padEnd(24),
        String(f.throughputPerSec).padStart(7),
        `(${f.throughputRounds.join(', ')})`.padEnd(40),
        String(f.cpuMicrosPerJob).padStart(9),
        `${f.latencyMs.p50} / ${f.latencyMs.p99}`.padStart(14),
        (f.handoffMs ? `${f.handoffMs.p50} / ${f.handoffMs.p99}` : '-').padStart(12),
      ].join(' ');
    };
    process.stdout.write(
      [
        `no-op jobs: ${JOBS} at once for throughput, ${LATENCY_JOBS} one by one for latency (x${ROUNDS} rounds after a warm-up), chain of ${CHAIN}; worker concurrency ${CONCURRENCY}`,
        ...targets.map((t) => `redis ${t.name}: ${t.url}`),
        `${'system'.padEnd(24)} ${'jobs/s'.padStart(7)} ${'(rounds)'.padEnd(40)} ${'CPU us/job'.padStart(9)} ${'start p50/p99'.padStart(14)} ${'handoff p50/p99'.padStart(12)}`,
        ...names.map(row),
        ...targets.map(
          (t) =>
            `Strata throughput = ${ratios[t.name]} x plain BullMQ${targets.length > 1 ? ` (${t.name})` : ''} (latencies in ms)`,
        ),
        '',
      ].join('\n'),
    );
  }
} finally {
  for (const side of sides.values()) await side.close();
  for (const target of targets) await target.stop();
}
