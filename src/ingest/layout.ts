import type { PriceRecord } from './record.ts';

/**
 * The object layout the SQL side reads (Athena partition projection, DuckDB globs):
 * `<prefix>/year=YYYY/month=MM/day=DD/<topic>+<partition>+<startOffset>.jsonl`, one flat JSON
 * object per line. Kafka topic names cannot contain `+`, so the name parses back unambiguously.
 * The start offset is zero-padded to int64's 19 digits (as Kafka Connect's S3 sink does), so a
 * listing of one partition's objects in a day comes back in offset order.
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

/** Digits of the largest int64, the widest offset Kafka can hand out. */
export const OFFSET_DIGITS = 19;

/** A Kafka offset as it appears in object names: decimal, zero-padded to {@link OFFSET_DIGITS}. */
export function paddedOffset(offset: string): string {
  if (!/^\d+$/.test(offset) || offset.length > OFFSET_DIGITS)
    throw new RangeError(`not a Kafka offset: ${JSON.stringify(offset)}`);
  return offset.padStart(OFFSET_DIGITS, '0');
}

export function objectKey(
  prefix: string,
  day: string,
  topic: string,
  partition: number,
  startOffset: string,
): string {
  return `${dayPrefix(prefix, day)}${topic}+${partition}+${paddedOffset(startOffset)}.jsonl`;
}

// Unpadded offsets (objects landed before padding) still parse, so an older lake stays readable.
const KEY =
  /^(.+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/([A-Za-z0-9._-]+)\+(\d+)\+(\d{1,19})\.jsonl$/;

export interface ParsedObjectKey {
  prefix: string;
  day: string;
  topic: string;
  partition: number;
  /** Decimal, without the padding. */
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
    startOffset: startOffset!.replace(/^0+(?=\d)/, ''),
  };
}

/**
 * One line of an object: the record's fields, its Kafka coordinates, and when it was ingested.
 * The sink writes the same bytes in two pieces (`recordHead` or the canonical value bytes, then
 * `lineTail`) to avoid building each line as a string.
 */
export function formatLine(record: PriceRecord, at: KafkaCoordinates, ingestedAt: string): string {
  return recordHead(record) + lineTail(at, ingestedAt);
}

/** The record as canonical JSON without its closing brace (the same bytes JSON.stringify writes). */
export function recordHead(r: PriceRecord): string {
  const q = JSON.stringify;
  return `{"id":${q(r.id)},"symbol":${q(r.symbol)},"name":${q(r.name)},"price":${q(r.price)},"market_cap":${q(r.market_cap)},"total_volume":${q(r.total_volume)},"price_change_percentage_24h":${q(r.price_change_percentage_24h)},"last_updated":${q(r.last_updated)}`;
}

/** Messages fetched together share their timestamp more often than not. */
let lastTimestamp = { ms: '', iso: '' };

/** The Kafka coordinates and ingest time that close a line, with its newline. */
export function lineTail(at: KafkaCoordinates, ingestedAt: string): string {
  if (at.timestamp !== lastTimestamp.ms)
    lastTimestamp = { ms: at.timestamp, iso: new Date(Number(at.timestamp)).toISOString() };
  return `,"kafka_topic":${JSON.stringify(at.topic)},"kafka_partition":${at.partition},"kafka_offset":${at.offset},"kafka_timestamp":"${lastTimestamp.iso}","ingested_at":"${ingestedAt}"}\n`;
}
