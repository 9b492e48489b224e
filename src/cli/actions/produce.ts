import { loadPipeline } from '../../config/index.ts';
import { createKafka, createPriceSource, producePrices, tickClock } from '../../ingest/index.ts';
import { createLogger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';
import { print } from '../print.ts';

export interface ProduceCommandOptions {
  count?: number;
  interval?: number;
  source?: 'simulated' | 'coingecko';
  json?: boolean;
}

export async function produce(file: string, options: ProduceCommandOptions): Promise<void> {
  const pipeline = await loadPipeline(file);
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
}
