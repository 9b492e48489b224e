import { Option, type Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { createKafka, createPriceSource, producePrices, tickClock } from '../../ingest/index.ts';
import { createLogger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';
import { duration, positiveInt } from '../options.ts';
import { configFile, print } from './config-commands.ts';

interface ProduceCommandOptions {
  count?: number;
  interval?: number;
  source?: (typeof SOURCES)[number];
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
      positiveInt,
    )
    .option(
      '-i, --interval <duration>',
      'time between ticks, e.g. 5s; each tick is stamped with the time it is sent',
      duration,
    )
    .addOption(
      new Option(
        '-s, --source <source>',
        'price source (default: produce.source from the config)',
      ).choices(SOURCES),
    )
    .option('--json', 'print the summary as JSON')
    .action(async (options: ProduceCommandOptions, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
      const source = options.source ?? pipeline.produce.source;
      const intervalMs = options.interval;
      const ticks = options.count ?? (intervalMs === undefined ? 1 : Infinity);
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
