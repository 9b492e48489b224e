import { loadPipeline } from '../../config/index.ts';
import { produceFromConfig } from '../../ingest/index.ts';
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
  const intervalMs = options.interval;
  const ticks = options.count ?? (intervalMs === undefined ? 1 : Infinity);
  const settings = serviceSettings();
  const logger = createLogger('produce');
  const abort = new AbortController();
  const stop = (): void => abort.abort(new Error('stopped by signal'));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const result = await produceFromConfig(pipeline, {
      ticks,
      intervalMs,
      source: options.source,
      kafkaBrokers: settings.kafkaBrokers,
      clientId: 'strata-produce',
      logger,
      signal: abort.signal,
      onTick: (quotes, tick) =>
        logger.info({ tick, coins: quotes.map((q) => `${q.id}=${q.price}`) }, 'prices sent'),
    });
    const { topic, source, ...counts } = result;
    const summary = { topic, source, ...counts };
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
