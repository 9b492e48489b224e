/**
 * Steady-state freshness of the shipped pipeline under `strata dev`: how long after a price is
 * produced gold contains it, with nobody calling `materialize`.
 *
 *   npm run bench:dev-lag [-- --minutes 10 --json]
 *
 * Runs `strata dev` on the shipped config, isolated (its own topic, group, data folder and Redis
 * prefixes) and with the shipped windows (produce every minute, ingest batches of at most 30 s,
 * dbt at most every 3 minutes), unless STRATA_* variables in the environment override them. After
 * `--minutes`, it reads every produced message back from Kafka (its timestamp is when it was
 * produced, its `last_updated` the record time ingest reports as data time) and gold's
 * materializations from the event log. A price is in gold once a successful materialization of
 * crypto_curated has a data time at or after the price's record time; its lag is that
 * materialization's end minus the produce time. Prices produced after gold's last build are not
 * counted (their lag is not known yet).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { EventLog, RedisKeys } from '../src/jobs/index.ts';
import { serviceSettings } from '../src/shared/settings.ts';
import { spawnStrata } from '../test/helpers/cli.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { createTestTopic, testKafka, type TestTopic } from '../test/helpers/kafka.ts';
import { Resources } from '../test/helpers/resources.ts';
import { isolatedShippedConfig } from '../test/helpers/shipped-config.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const MINUTES = Number(values.minutes);

interface Produced {
  producedAt: number;
  recordTime: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/** Every message of the topic, read from the start with a throwaway group. */
async function readProduced(topic: TestTopic): Promise<Produced[]> {
  const offsets = await topic.admin.fetchTopicOffsets(topic.topic);
  const total = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  const consumer = testKafka().consumer({ groupId: `${topic.groupId}-lag-reader` });
  const produced: Produced[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: topic.topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const record = JSON.parse(message.value?.toString() ?? '{}') as { last_updated?: string };
        produced.push({
          producedAt: Number(message.timestamp),
          recordTime: Date.parse(record.last_updated ?? ''),
        });
        return Promise.resolve();
      },
    });
    await waitFor('every produced message read back', () => produced.length >= total, 120_000);
  } finally {
    await consumer.disconnect();
    await topic.admin.deleteGroups([`${topic.groupId}-lag-reader`]).catch(() => undefined);
  }
  return produced;
}

async function main(): Promise<void> {
  const resources = new Resources();
  try {
    const topic = await createTestTopic(resources, testKafka(), 3);
    const { file, env } = await isolatedShippedConfig(resources, topic);
    const dev = spawnStrata(['--config', file, 'dev', '--port', '0'], env);
    resources.add(async () => {
      if (dev.child.exitCode === null) dev.child.kill('SIGINT');
      await dev.exited;
    });
    await waitFor('strata dev to listen', () => /listening on http/.test(dev.stdout()), 120_000);
    const startedAt = Date.now();
    process.stderr.write(`strata dev running; measuring for ${MINUTES} minute(s)\n`);
    for (let minute = 1; minute <= MINUTES; minute++) {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      process.stderr.write(`  ${minute}/${MINUTES} min\n`);
    }
    dev.child.kill('SIGINT');
    const code = await dev.exited;
    if (code !== 0) throw new Error(`strata dev exited with ${code}:\n${dev.stderr()}`);

    const redis = new Redis(serviceSettings().redisUrl);
    const keyPrefix = env.STRATA_KEY_PREFIX ?? '';
    const gold = (
      await new EventLog(redis, new RedisKeys(keyPrefix)).materializations('crypto_curated', 1_000)
    )
      .filter((m) => m.status === 'succeeded' && m.dataTime !== null)
      .sort((a, b) => a.endedAt - b.endedAt);
    redis.disconnect();
    const produced = await readProduced(topic);

    const lags = produced
      .map((p) => {
        const first = gold.find((m) => (m.dataTime ?? 0) >= p.recordTime);
        return first === undefined ? undefined : first.endedAt - p.producedAt;
      })
      .filter((lag): lag is number => lag !== undefined)
      .sort((a, b) => a - b);
    const result = {
      minutes: MINUTES,
      startedAt: new Date(startedAt).toISOString(),
      produced: produced.length,
      inGold: lags.length,
      goldBuilds: gold.length,
      lagP50Seconds: Math.round(percentile(lags, 0.5) / 100) / 10,
      lagMaxSeconds: Math.round((lags.at(-1) ?? NaN) / 100) / 10,
    };
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result)}\n`
        : `prices produced ${result.produced}, in gold ${result.inGold}, gold builds ${result.goldBuilds}\n` +
            `produce -> gold lag: p50 ${result.lagP50Seconds} s, max ${result.lagMaxSeconds} s\n`,
    );
  } finally {
    await resources.release();
  }
}

await main();
