/**
 * Scheduler benchmark: the cost of one full automation pass over synthetic layered graphs with
 * diamonds (every asset depends on two assets of the layer before), every asset `onUpstream` with
 * a freshness policy, in a mixed state (fresh, stale, in flight, blocked, new upstream data).
 *
 *   npm run bench:scheduler [-- --sizes 100,1000,10000 --rounds 7 --reaction-samples 30 --json]
 *
 * - evaluation: `evaluateAutomation(input)`, pure, from state already read; median of the rounds
 *   after a warm-up, and ms per 1,000 (assets + edges) to show it stays linear;
 * - Redis reads: `AutomationStore.snapshot(pipeline)` against the real Redis, with the asset
 *   hashes populated under a unique prefix (deleted afterwards with SCAN + DEL);
 * - reaction: a Scheduler (debounce 0ms) and an in-process worker; a root asset is materialized
 *   `--reaction-samples` times, one after another; per sample, the time from the root run's end
 *   to the creation of the run the scheduler starts for its onUpstream dependent (0 skips it);
 * - reference, side by side: one Redis round trip (PING) measured in the same run, and Dagster's
 *   automation daemon tick of 30 s (its documented floor for reacting to anything).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { parsePipeline, type LoadedPipeline } from '../src/config/index.ts';
import { RedisKeys } from '../src/jobs/index.ts';
import { evaluateAutomation, type AssetState } from '../src/scheduler/evaluate.ts';
import { SchedulerKeys } from '../src/scheduler/keys.ts';
import { AutomationStore } from '../src/scheduler/state.ts';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { createLogger } from '../src/shared/logger.ts';
import { PROJECT_ROOT, serviceSettings } from '../src/shared/settings.ts';
import { deleteKeys } from '../test/helpers/redis.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { createSandbox } from '../test/integration/orchestrator-harness.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000,10000' },
    rounds: { type: 'string', default: '7' },
    'reaction-samples': { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const REACTION_SAMPLES = Number(values['reaction-samples']);
const DAGSTER_TICK_MS = 30_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Layers of `width` assets; each asset of a later layer depends on two of the layer before. */
function layeredPipeline(size: number): { pipeline: LoadedPipeline; edges: number } {
  const width = Math.max(2, Math.round(Math.sqrt(size)));
  const lines = ['version: 1', 'assets:'];
  let edges = 0;
  for (let i = 0; i < size; i++) {
    const layer = Math.floor(i / width);
    const col = i % width;
    lines.push(`  a${i}:`, '    kind: noop');
    if (layer > 0) {
      const base = (layer - 1) * width;
      lines.push(`    deps: [a${base + col}, a${base + ((col + 1) % width)}]`);
      edges += 2;
    }
    lines.push(
      '    freshness: { warnAfter: 1h, failAfter: 2h }',
      '    automation: { onUpstream: true, onFreshness: true }',
    );
  }
  const file = path.join(PROJECT_ROOT, 'config', 'bench-scheduler.yaml');
  return { pipeline: parsePipeline(`${lines.join('\n')}\n`, file, {}), edges };
}

type Mix = 'fresh' | 'stale' | 'inFlight' | 'blocked' | 'newUpstream';

/** A fixed mix by position: half fresh, the rest stale, in flight, blocked or with new data. */
function mixOf(i: number): Mix {
  const r = (i * 7919) % 20;
  if (r < 10) return 'fresh';
  if (r < 14) return 'stale';
  if (r < 16) return 'inFlight';
  if (r < 17) return 'blocked';
  return 'newUpstream';
}

function stateFor(mix: Mix, now: number): AssetState {
  const base: AssetState = {
    dataTime: now - 10 * MINUTE,
    lastNewDataAt: now - 10 * MINUTE,
    lastStartedAt: now - 11 * MINUTE,
    failures: 0,
    lastFailedAt: null,
    blocked: false,
    inFlight: false,
    lastRequestedAt: null,
    recentDurationsMs: [2_000, 3_000],
  };
  switch (mix) {
    case 'fresh':
      return base;
    case 'stale':
      return { ...base, dataTime: now - 3 * HOUR, lastStartedAt: now - 3 * HOUR };
    case 'inFlight':
      return { ...base, inFlight: true };
    case 'blocked':
      return { ...base, blocked: true, blockedReason: 'check not_null failed' };
    case 'newUpstream':
      // Newer data than its dependents' last start: they are due onUpstream.
      return { ...base, dataTime: now - 5_000, lastNewDataAt: now - 5_000 };
  }
}

function evaluationMs(pipeline: LoadedPipeline, now: number): { ms: number[]; requested: number } {
  const state = new Map(pipeline.graph.order.map((key, i) => [key, stateFor(mixOf(i), now)]));
  const input = {
    now,
    graph: pipeline.graph,
    assets: pipeline.assets,
    state,
    settings: pipeline.scheduler,
    runningAutomatedRuns: 0,
  };
  let requested = 0;
  for (let i = 0; i < 3; i++) evaluateAutomation(input); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const result = evaluateAutomation(input);
    ms.push(performance.now() - t0);
    requested = result.requests.reduce((n, r) => n + r.assets.length, 0);
  }
  return { ms, requested };
}

async function populate(redis: Redis, keys: RedisKeys, pipeline: LoadedPipeline, now: number) {
  const write = redis.pipeline();
  pipeline.graph.order.forEach((key, i) => {
    const s = stateFor(mixOf(i), now);
    const fields: Record<string, string> = {
      dataTime: String(s.dataTime),
      lastSuccessAt: String(s.lastNewDataAt),
    };
    if (s.blocked) Object.assign(fields, { blocked: '1', blockedReason: s.blockedReason });
    write.hset(keys.asset(key), fields);
  });
  await write.exec();
}

async function snapshotMs(
  redis: Redis,
  pipeline: LoadedPipeline,
  prefix: string,
): Promise<{ ms: number[]; commands: number }> {
  const keys = new RedisKeys(prefix);
  await populate(redis, keys, pipeline, Date.now());
  const store = new AutomationStore(redis, keys, new SchedulerKeys(prefix));
  let commands = 0;
  for (let i = 0; i < 2; i++) await store.snapshot(pipeline); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const snapshot = await store.snapshot(pipeline);
    ms.push(performance.now() - t0);
    commands = snapshot.commands;
  }
  return { ms, commands };
}

async function pingMs(redis: Redis): Promise<number> {
  for (let i = 0; i < 20; i++) await redis.ping();
  const ms: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await redis.ping();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  );
}

/** Root run end -> dependent run created, per sample (ms), through a real Scheduler and worker. */
async function reactionMs(samples: number): Promise<number[]> {
  const sandbox = createSandbox();
  const file = sandbox.writeConfig(`version: 1
scheduler:
  debounce: 0ms
assets:
  root: { kind: noop }
  dependent: { kind: noop, deps: [root], automation: { onUpstream: true, onFreshness: false } }
`);
  const pipeline = sandbox.pipeline(await readFile(file, 'utf8'));
  let scheduler: Scheduler | undefined;
  try {
    const orchestrator = await sandbox.connect(pipeline);
    await sandbox.startWorker(pipeline, { concurrency: 2 });
    scheduler = await Scheduler.start({
      file,
      pipeline,
      redisUrl: serviceSettings().redisUrl,
      settings: sandbox.settings,
      logger: createLogger('bench-scheduler', 'silent'),
      watchConfig: false,
    });
    const leading = scheduler;
    await waitFor('the scheduler to lead', () => leading.isLeader, 20_000, 20);
    const seen = new Set<string>();
    const result: number[] = [];
    for (let i = 0; i <= samples; i++) {
      const { runId } = await orchestrator.submit({ selection: 'root' });
      seen.add(runId);
      const root = await orchestrator.waitForRun(runId);
      const follow = await waitFor(
        'the dependent run',
        async () =>
          (await orchestrator.runs.list(20)).find(
            (r) => !seen.has(r.id) && r.trigger === 'upstream',
          ),
        20_000,
        5,
      );
      seen.add(follow.id);
      await orchestrator.waitForRun(follow.id);
      // The first sample warms up the scheduler, the worker and their connections.
      if (i > 0) result.push(follow.createdAt - (root.endedAt ?? NaN));
    }
    return result;
  } finally {
    await scheduler?.close();
    await sandbox.cleanup();
  }
}

const redis = new Redis(serviceSettings().redisUrl, { maxRetriesPerRequest: 3 });
const prefix = `bench-sched-${randomUUID().slice(0, 8)}:`;
try {
  const rows = [];
  const ping = await pingMs(redis);
  for (const size of SIZES) {
    const t0 = performance.now();
    const { pipeline, edges } = layeredPipeline(size);
    const parseMs = performance.now() - t0;
    const evaluation = evaluationMs(pipeline, Date.now());
    const snapshot = await snapshotMs(redis, pipeline, `${prefix}${size}:`);
    const evalMedian = median(evaluation.ms);
    rows.push({
      assets: size,
      edges,
      parseMs: Math.round(parseMs),
      evaluateMs: round2(evalMedian),
      evaluateMsPer1kNodesEdges: round2(evalMedian / ((size + edges) / 1000)),
      requestedAssets: evaluation.requested,
      snapshotMs: round2(median(snapshot.ms)),
      snapshotCommands: snapshot.commands,
      fullPassMs: round2(evalMedian + median(snapshot.ms)),
    });
  }
  const reaction = REACTION_SAMPLES > 0 ? await reactionMs(REACTION_SAMPLES) : [];
  const result = {
    rounds: ROUNDS,
    reactionMs: {
      samples: reaction.length,
      p50: percentile(reaction, 50),
      p99: percentile(reaction, 99),
      max: percentile(reaction, 100),
    },
    pingMs: round2(ping),
    dagsterTickMs: DAGSTER_TICK_MS,
    graphs: rows,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const header = [
      'assets',
      'edges',
      'evaluate ms',
      'ms/1k a+e',
      'requested',
      'snapshot ms',
      'cmds',
      'pass ms',
      'x PING',
      'of 30 s tick',
    ];
    const lines = rows.map((r) =>
      [
        r.assets,
        r.edges,
        r.evaluateMs,
        r.evaluateMsPer1kNodesEdges,
        r.requestedAssets,
        r.snapshotMs,
        r.snapshotCommands,
        r.fullPassMs,
        Math.round(r.fullPassMs / result.pingMs),
        `${Number(((r.fullPassMs / DAGSTER_TICK_MS) * 100).toPrecision(2))}%`,
      ]
        .map((v) => String(v).padStart(13))
        .join(''),
    );
    process.stdout.write(
      [
        `layered graphs with diamonds, every asset onUpstream + freshness, mixed state; median of ${ROUNDS} rounds after warm-up`,
        header.map((h) => h.padStart(13)).join(''),
        ...lines,
        reaction.length > 0
          ? `event reaction, root run end -> dependent run created (debounce 0ms, ${reaction.length} samples): p50 ${result.reactionMs.p50} ms, p99 ${result.reactionMs.p99} ms, max ${result.reactionMs.max} ms`
          : 'event reaction: skipped',
        `Redis PING round trip (same run): ${result.pingMs} ms; Dagster automation daemon tick: 30 s`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await deleteKeys(redis, prefix);
  redis.disconnect();
}
