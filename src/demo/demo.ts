import type { LoadedPipeline } from '../config/index.ts';
import { sleep } from '../shared/backoff.ts';
import { WorkFailedError } from '../shared/errors.ts';
import { createLogger } from '../shared/logger.ts';
import { serviceSettings } from '../shared/settings.ts';
import { connectAdmin, retryKafka } from '../ingest/kafka.ts';
import { collectOffsets } from '../monitoring/lag/collect.ts';
import { createLagAdmin } from '../monitoring/lag/kafka-admin.ts';
import { lagOf } from '../monitoring/lag/evaluate.ts';
import { stackUp } from '../stack/index.ts';
import { runStrata, startStrata } from './child.ts';

export interface DemoOptions {
  configFile: string;
  /** Price ticks per cycle (one message per coin per tick). */
  ticks: number;
  /** Run one cycle and exit, or repeat every interval until SIGINT/SIGTERM. */
  once: boolean;
  intervalMs: number;
  signal: AbortSignal;
  progress: (message: string) => void;
}

/** How long the demo's ingest waits before landing a partial batch: seconds, not the default 30. */
const DEMO_BATCH_AGE = '2s';
const CATCH_UP_TIMEOUT_MS = 120_000;

/**
 * The main job on the embedded defaults: stack up, produce simulated prices, ingest them into
 * the lake, materialize the whole graph, print the status. Each step runs the real role as its
 * own process. Resolves with the exit code of the last materialization.
 */
export async function runDemo(pipeline: LoadedPipeline, options: DemoOptions): Promise<number> {
  const { progress } = options;
  progress(
    'bringing the local stack up (Redis, Kafka, moto, dbt); the first time takes a minute or two',
  );
  await stackUp({ onProgress: (line) => progress(`stack: ${line}`) });

  let exitCode = 0;
  for (let cycle = 1; ; cycle++) {
    exitCode = await runCycle(pipeline, options, cycle);
    if (options.once || options.signal.aborted) return exitCode;
    progress(
      `cycle ${cycle} done; next in ${Math.round(options.intervalMs / 1000)}s (Ctrl-C to stop)`,
    );
    try {
      await sleep(options.intervalMs, options.signal);
    } catch {
      return exitCode;
    }
  }
}

async function runCycle(
  pipeline: LoadedPipeline,
  options: DemoOptions,
  cycle: number,
): Promise<number> {
  const { progress, configFile } = options;
  const config = ['--config', configFile];

  progress(
    `[${cycle}] producing ${options.ticks} ticks of simulated prices to ${pipeline.kafka.topic}`,
  );
  await expectSuccess(
    'produce',
    runStrata([...config, 'produce', '--count', String(options.ticks)]),
  );

  progress(
    `[${cycle}] ingesting into ${pipeline.storage.kind === 'local' ? pipeline.storage.root : `s3://${pipeline.storage.bucket}`}`,
  );
  const ingest = startStrata([...config, 'ingest'], {
    STRATA_INGEST_MAX_AGE: DEMO_BATCH_AGE,
    STRATA_LOG_LEVEL: 'warn',
  });
  try {
    await waitUntilCaughtUp(pipeline, progress);
  } finally {
    ingest.process.kill('SIGTERM');
    await ingest.exited;
  }

  progress(`[${cycle}] materializing every asset`);
  const materialized = await runStrata([
    ...config,
    'materialize',
    '*',
    '--inline',
    '--reason',
    `demo cycle ${cycle}`,
  ]);

  progress(`[${cycle}] status`);
  await runStrata([...config, 'status']);
  return materialized;
}

/** Waits until the ingest group has committed every offset produced so far: all of it is durable. */
async function waitUntilCaughtUp(
  pipeline: LoadedPipeline,
  progress: (m: string) => void,
): Promise<void> {
  const logger = createLogger('demo');
  const admin = createLagAdmin(serviceSettings().kafkaBrokers, logger);
  await connectAdmin(admin, logger);
  try {
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    let lastReported = -1;
    while (Date.now() < deadline) {
      // On a freshly formatted broker the group's coordinator is still being elected while
      // ingest joins: NOT_COORDINATOR and friends are waited out, within the catch-up deadline.
      const snapshot = await retryKafka(
        'reading the ingest group offsets',
        () => collectOffsets(admin, pipeline.ingest.groupId, pipeline.kafka.topic),
        { logger, deadlineMs: Math.max(0, deadline - Date.now()) },
      );
      const lag = [...snapshot.partitions.values()].reduce((sum, p) => sum + lagOf(p), 0);
      if (lag === 0) return;
      if (lag !== lastReported) progress(`  ${lag} records not yet durable in storage`);
      lastReported = lag;
      await sleep(1_000);
    }
    throw new WorkFailedError(
      `ingest did not catch up within ${CATCH_UP_TIMEOUT_MS / 1000}s; see its log above`,
    );
  } finally {
    await admin.disconnect();
  }
}

async function expectSuccess(step: string, exit: Promise<number>): Promise<void> {
  const code = await exit;
  if (code !== 0) throw new WorkFailedError(`demo step "${step}" exited with code ${code}`);
}
