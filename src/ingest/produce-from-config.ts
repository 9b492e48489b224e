import type { Pipeline } from '../config/index.ts';
import type { Logger } from '../shared/logger.ts';
import { createKafka } from './kafka.ts';
import { producePrices, type ProduceResult } from './producer.ts';
import type { PriceRecord } from './record.ts';
import { createPriceSource, tickClock } from './sources/index.ts';

export type PipelineProduceSections = Pick<Pipeline, 'kafka' | 'produce'>;

export interface ProduceRequest {
  /** How many ticks; Infinity keeps going until `signal` aborts. */
  ticks: number;
  intervalMs?: number;
  /** Overrides the config's source (the CLI's --source). */
  source?: 'simulated' | 'coingecko';
  kafkaBrokers: string[];
  /** Kafka client id: says who produced (the CLI, a schedule). */
  clientId: string;
  logger: Logger;
  signal?: AbortSignal;
  onTick?: (quotes: readonly PriceRecord[], tick: number) => void;
}

/**
 * Prices to the pipeline's topic from the pipeline's produce settings: what `strata produce`
 * does, and what a `task: produce` schedule does on each tick (one tick).
 */
export async function produceFromConfig(
  pipeline: PipelineProduceSections,
  request: ProduceRequest,
): Promise<ProduceResult & { source: string; topic: string }> {
  const { ticks, intervalMs, logger } = request;
  const source = request.source ?? pipeline.produce.source;
  const result = await producePrices({
    kafka: createKafka(request.kafkaBrokers, request.clientId, logger),
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
    signal: request.signal,
    logger,
    onTick: request.onTick,
  });
  return { ...result, source, topic: pipeline.kafka.topic };
}
