import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { createKafka, createPriceSource, producePrices, tickClock } from '../../ingest/index.ts';
import { parseDuration } from '../../shared/durations.ts';
import { UsageError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';
import { configFile, print } from './config-commands.ts';

interface ProduceCommandOptions {
  count?: string;
  interval?: string;
  source?: string;
  json?: boolean;
}

const SOURCES = ['simulated', 'coingecko'] as const;

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description(
      'send one price message per coin per tick to Kafka (one tick, or every --interval until SIGTERM)',
    )
    .option(
      '-n, --count <ticks>',
      'how many ticks (default 1, or unlimited with --interval); without --interval the simulated ' +
        'source backfills a history: tick i of N is stamped now - (N-1-i) minutes (one minute ' +
        'apart, oldest first, ending now)',
    )
    .option(
      '-i, --interval <duration>',
      'time between ticks, e.g. 5s; each tick is stamped with the time it is sent',
    )
    .option(
      '-s, --source <source>',
      `price source: ${SOURCES.join(', ')} (default: produce.source from the config)`,
    )
    .option('--json', 'print the summary as JSON')
    .action(async (options: ProduceCommandOptions, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
      const source = parseSource(options.source) ?? pipeline.produce.source;
      const intervalMs =
        options.interval === undefined ? undefined : parseInterval(options.interval);
      const ticks =
        options.count === undefined
          ? intervalMs === undefined
            ? 1
            : Infinity
          : parseCount(options.count);
      const settings = serviceSettings();
      const logger = createLogger('produce');
      const abort = new AbortController();
      const stop = (): void => abort.abort(new Error('stopped by signal'));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        const result = await producePrices({
          kafka: createKafka(settings.kafkaBrokers, 'strata-produce', logger),
          topic: {
            topic: pipeline.kafka.topic,
            partitions: pipeline.kafka.partitions,
            replicationFactor: pipeline.kafka.replicationFactor,
          },
          source: createPriceSource(
            { ...pipeline.produce, source },
            { logger, now: tickClock({ ticks, intervalMs }) },
          ),
          coins: pipeline.produce.coins,
          ticks,
          intervalMs,
          signal: abort.signal,
          logger,
          onTick: (quotes, tick) =>
            logger.info({ tick, coins: quotes.map((q) => `${q.id}=${q.price}`) }, 'prices sent'),
        });
        const summary = { topic: pipeline.kafka.topic, source, ...result };
        print(
          options.json,
          summary,
          `sent ${result.messages} messages in ${result.ticks} tick(s) to ${pipeline.kafka.topic} (${source})`,
        );
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
    });
}

function parseSource(text: string | undefined): (typeof SOURCES)[number] | undefined {
  if (text === undefined) return undefined;
  if (!(SOURCES as readonly string[]).includes(text))
    throw new UsageError(`--source: use one of ${SOURCES.join(', ')}, not "${text}"`);
  return text as (typeof SOURCES)[number];
}

function parseInterval(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--interval: "${text}" is not a positive duration (e.g. 5s)`);
  return ms;
}

function parseCount(text: string): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--count: "${text}" is not a positive whole number`);
  return count;
}
