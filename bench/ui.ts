/**
 * Web UI benchmark: server time of the first paint of the two heaviest pages, against a request
 * that does almost nothing (/healthz) and the same pages on a small pipeline, side by side.
 *
 *   npm run bench:ui [-- --assets 1000 --materializations 1000 --requests 30]
 *
 * - graph page: `/` for a pipeline of N noop assets in diamond layers (each with up to two deps),
 *   every asset with a last materialization and a summary, so every box has its full state;
 * - asset page: `/assets/<key>?limit=M` for an asset with M materializations, each from its own
 *   run (the page reads every run's trigger);
 * - the layout of the N-asset graph (dagre), done once when the server starts, timed apart.
 * Time is from sending the request on a kept-alive local connection to the last byte of the
 * answer (the server's work plus loopback). Warm-up requests are not counted; the median and the
 * 95th percentile of the rest are reported. Data is written straight to Redis under a unique
 * prefix, deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parsePipeline, type LoadedPipeline } from '../src/config/index.ts';
import { EventLog } from '../src/jobs/event-log.ts';
import { RedisKeys } from '../src/jobs/keys.ts';
import { RunStore } from '../src/jobs/run-store.ts';
import { ProcessMetrics } from '../src/monitoring/metrics/registry.ts';
import { createServeApp } from '../src/server/serve-app.ts';
import { listen } from '../src/server/server.ts';
import { layoutGraph } from '../src/server/ui/layout.ts';
import { createLogger } from '../src/shared/logger.ts';
import { serviceSettings } from '../src/shared/settings.ts';
import { deleteKeysUnder } from '../test/helpers/redis.ts';

const { values } = parseArgs({
  options: {
    assets: { type: 'string', default: '1000' },
    materializations: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '30' },
  },
});
const ASSETS = Number(values.assets);
const MATERIALIZATIONS = Number(values.materializations);
const REQUESTS = Number(values.requests);
const WARMUP = 3;

function diamondYaml(n: number, width = 10): string {
  const lines = ['version: 1', 'runs:', `  retainPerAsset: ${MATERIALIZATIONS}`, 'assets:'];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / width);
    const deps =
      layer === 0
        ? []
        : [`a${(layer - 1) * width + (i % width)}`, `a${(layer - 1) * width + ((i + 1) % width)}`];
    lines.push(`  a${i}:`, '    kind: noop', '    freshness:', '      warnAfter: 2h');
    if (deps.length > 0) lines.push(`    deps: [${deps.join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** A last materialization for every asset, and `history` more (each its own run) for a0. */
async function seed(redis: Redis, keys: RedisKeys, pipeline: LoadedPipeline, history: number) {
  const now = Date.now();
  const record = (asset: string, runId: string, at: number) =>
    JSON.stringify({
      runId,
      asset,
      status: 'succeeded',
      attempt: 1,
      worker: 'bench:1',
      fence: 1,
      enqueuedAt: at - 500,
      startedAt: at - 400,
      endedAt: at,
      dataTime: at - 60_000,
      metadata: { rows: 1000 + (at % 97) },
      checks: [
        { name: 'not_null', source: 'dbt', type: 'not_null', severity: 'error', status: 'passed' },
      ],
    });
  const batch = redis.pipeline();
  for (const key of pipeline.graph.order) {
    batch.hset(keys.asset(key), {
      lastRunId: 'run-bench-last',
      lastStatus: 'succeeded',
      lastMaterializedAt: now,
      lastSuccessAt: now,
      dataTime: now - 60_000,
    });
    batch.lpush(keys.materializations(key), record(key, 'run-bench-last', now));
  }
  for (let i = history - 1; i >= 0; i--) {
    const runId = `run-bench-${i}`;
    const at = now - (history - i) * 60_000;
    batch.hset(keys.run(runId), {
      id: runId,
      meta: JSON.stringify({
        selection: 'a0',
        trigger: i % 2 ? 'schedule' : 'freshness',
        assets: ['a0'],
      }),
      status: 'succeeded',
      createdAt: at - 600,
    });
    batch.lpush(keys.materializations('a0'), record('a0', runId, at));
  }
  await batch.exec();
}

async function timeRequests(url: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + count; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    if (i >= WARMUP) samples.push(performance.now() - started);
  }
  return samples;
}

function stats(samples: number[]): { median: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;
  return { median: Math.round(at(0.5) * 10) / 10, p95: Math.round(at(0.95) * 10) / 10 };
}

async function measure(assets: number, history: number) {
  const prefix = `bench-ui-${randomUUID().slice(0, 8)}:`;
  const redis = new Redis(serviceSettings().redisUrl, { maxRetriesPerRequest: 3 });
  // BullMQ does not close a connection it is given: the bench does, or the process never exits.
  const queueConnection = redis.duplicate();
  const queue = new Queue(`bench-ui-${randomUUID().slice(0, 8)}`, { connection: queueConnection });
  const pipeline = parsePipeline(diamondYaml(assets), 'bench.yaml', {});
  const keys = new RedisKeys(prefix);
  try {
    await seed(redis, keys, pipeline, history);
    const layoutStarted = performance.now();
    layoutGraph(pipeline.graph);
    const layoutMs = Math.round(performance.now() - layoutStarted);
    const logger = createLogger('bench-ui', 'silent');
    const app = createServeApp({
      redis,
      keyPrefix: prefix,
      registry: new ProcessMetrics({ defaultMetrics: false }).registry,
      instance: 'bench-ui',
      logger,
      pipeline,
      events: new EventLog(redis, keys),
      runs: new RunStore(redis, keys, history),
      queue,
      queuePrefix: 'bull',
    });
    const server = await listen(app, { host: '127.0.0.1', port: 0, logger });
    try {
      return {
        layoutMs,
        healthz: stats(await timeRequests(`${server.url}/healthz`, REQUESTS)),
        graph: stats(await timeRequests(`${server.url}/`, REQUESTS)),
        asset: stats(await timeRequests(`${server.url}/assets/a0?limit=${history}`, REQUESTS)),
        graphBytes: (await (await fetch(`${server.url}/`)).arrayBuffer()).byteLength,
        assetBytes: (await (await fetch(`${server.url}/assets/a0?limit=${history}`)).arrayBuffer())
          .byteLength,
      };
    } finally {
      await server.close();
    }
  } finally {
    await queue.close();
    queueConnection.disconnect();
    await deleteKeysUnder(prefix);
    redis.disconnect();
  }
}

const small = await measure(10, 10);
const large = await measure(ASSETS, MATERIALIZATIONS);
const row = (
  what: string,
  s: { median: number; p95: number },
  l: { median: number; p95: number },
) => `| ${what} | ${s.median} | ${s.p95} | ${l.median} | ${l.p95} |`;
process.stdout.write(
  [
    `| request (ms) | small: median | small: p95 | ${ASSETS} assets / ${MATERIALIZATIONS} materializations: median | p95 |`,
    '| --- | ---: | ---: | ---: | ---: |',
    row('GET /healthz (reference)', small.healthz, large.healthz),
    row('GET / (graph page)', small.graph, large.graph),
    row('GET /assets/a0 (asset page)', small.asset, large.asset),
    '',
    `layout once per config: ${small.layoutMs} ms (10 assets), ${large.layoutMs} ms (${ASSETS} assets)`,
    `page sizes: graph ${Math.round(large.graphBytes / 1024)} KiB, asset ${Math.round(large.assetBytes / 1024)} KiB (large case)`,
    '',
  ].join('\n'),
);
