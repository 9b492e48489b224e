import type { PriceRecord } from './record.ts';

/**
 * The object layout the SQL side reads (Athena partition projection, DuckDB globs):
 * `<prefix>/year=YYYY/month=MM/day=DD/<topic>+<partition>+<startOffset>.jsonl`, one flat JSON
 * object per line. Kafka topic names cannot contain `+`, so the name parses back unambiguously.
 */

export interface KafkaCoordinates {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka message timestamp, epoch milliseconds as kafkajs gives it. */
  timestamp: string;
}

/** UTC day of an instant, `YYYY-MM-DD`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayPrefix(prefix: string, day: string): string {
  const [year, month, dd] = day.split('-');
  return `${prefix}/year=${year}/month=${month}/day=${dd}/`;
}

export function objectKey(prefix: string, day: string, topic: string, partition: number, startOffset: string): string {
  return `${dayPrefix(prefix, day)}${topic}+${partition}+${startOffset}.jsonl`;
}

const KEY = /^(.+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/([A-Za-z0-9._-]+)\+(\d+)\+(\d+)\.jsonl$/;

export interface ParsedObjectKey {
  prefix: string;
  day: string;
  topic: string;
  partition: number;
  startOffset: string;
}

export function parseObjectKey(key: string): ParsedObjectKey | null {
  const m = KEY.exec(key);
  if (!m) return null;
  const [, prefix, year, month, day, topic, partition, startOffset] = m as unknown as string[];
  return {
    prefix: prefix!,
    day: `${year}-${month}-${day}`,
    topic: topic!,
    partition: Number(partition),
    startOffset: startOffset!,
  };
}

/** One line of an object: the record's fields, its Kafka coordinates, and when it was ingested. */
export function formatLine(record: PriceRecord, at: KafkaCoordinates, ingestedAt: string): string {
  return `${JSON.stringify({
    id: record.id,
    symbol: record.symbol,
    name: record.name,
    price: record.price,
    market_cap: record.market_cap,
    total_volume: record.total_volume,
    price_change_percentage_24h: record.price_change_percentage_24h,
    last_updated: record.last_updated,
    kafka_topic: at.topic,
    kafka_partition: at.partition,
    kafka_offset: Number(at.offset),
    kafka_timestamp: new Date(Number(at.timestamp)).toISOString(),
    ingested_at: ingestedAt,
  })}\n`;
}
