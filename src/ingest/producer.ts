import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { sleep } from '../shared/backoff.ts';
import type { Logger } from '../shared/logger.ts';
import { connectAdmin, ensureTopics, retryKafka, type TopicSpec } from './kafka.ts';
import type { PriceRecord } from './record.ts';
import type { PriceSource } from './sources/index.ts';

export interface ProducePricesOptions {
  kafka: Kafka;
  /** Created when missing, with this many partitions. */
  topic: TopicSpec;
  source: PriceSource;
  coins: readonly string[];
  /** How many ticks; default 1. Infinity keeps going until `signal` aborts. */
  ticks?: number;
  /** Pause between ticks. */
  intervalMs?: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Called after each tick with what was sent. */
  onTick?: (quotes: readonly PriceRecord[], tick: number) => void;
}

export interface ProduceResult {
  ticks: number;
  messages: number;
}

/**
 * Sends one message per coin per tick (key = coin id, so a coin's prices stay in order on one
 * partition). One tick is one scheduled job; with an interval it is the long-running
 * `strata produce`, which stops between ticks when `signal` aborts. A failing tick fails a
 * single-tick run; a looping run logs it and tries again at the next tick.
 */
export async function producePrices(options: ProducePricesOptions): Promise<ProduceResult> {
  const { kafka, topic, source, coins, logger, signal } = options;
  const ticks = options.ticks ?? 1;
  const admin = kafka.admin();
  await connectAdmin(admin, logger);
  try {
    await ensureTopics(admin, [topic], logger);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await retryKafka('connecting the producer', () => producer.connect(), { logger, signal });
  const result: ProduceResult = { ticks: 0, messages: 0 };
  try {
    for (let tick = 1; tick <= ticks && !signal?.aborted; tick++) {
      if (tick > 1 && options.intervalMs) {
        const slept = await sleep(options.intervalMs, signal).then(
          () => true,
          () => false,
        );
        if (!slept) break;
      }
      try {
        const quotes = await sendTick(producer, topic.topic, source, coins, signal);
        result.ticks++;
        result.messages += quotes.length;
        options.onTick?.(quotes, tick);
        logger.debug({ tick, messages: quotes.length }, 'prices sent');
      } catch (error) {
        if (ticks === 1 || signal?.aborted) throw error;
        logger.error({ err: error, tick }, 'tick failed; trying again at the next tick');
      }
    }
  } finally {
    await producer.disconnect();
  }
  return result;
}

async function sendTick(
  producer: Producer,
  topic: string,
  source: PriceSource,
  coins: readonly string[],
  signal?: AbortSignal,
): Promise<PriceRecord[]> {
  const quotes = await source.quotes(coins, signal);
  if (quotes.length === 0) return quotes;
  await producer.send({
    topic,
    acks: -1,
    messages: quotes.map((q) => ({ key: q.id, value: JSON.stringify(q) })),
  });
  return quotes;
}
