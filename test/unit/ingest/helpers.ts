import type { KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import type { DeadLetter } from '../../../src/ingest/batch.ts';
import type { SinkContext } from '../../../src/ingest/partition-sink.ts';
import type { ObjectStore } from '../../../src/storage/index.ts';

export const silentLogger = pino({ level: 'silent' });

export function priceValue(offset: number, lastUpdated = '2026-11-25T10:00:00.000Z'): Buffer {
  return Buffer.from(
    JSON.stringify({
      id: 'bitcoin',
      symbol: 'btc',
      name: 'Bitcoin',
      price: 60_000 + offset,
      market_cap: 1.2e12,
      total_volume: 3e10,
      price_change_percentage_24h: 0.5,
      last_updated: lastUpdated,
    }),
  );
}

export function message(offset: number, value: Buffer | null = priceValue(offset)): KafkaMessage {
  return {
    key: Buffer.from('bitcoin'),
    value,
    timestamp: String(Date.parse('2026-11-25T10:00:00.000Z') + offset),
    attributes: 0,
    offset: String(offset),
    headers: {},
    size: value?.length ?? 0,
  } as unknown as KafkaMessage;
}

export function messages(from: number, to: number): KafkaMessage[] {
  return Array.from({ length: to - from + 1 }, (_, i) => message(from + i));
}

export interface Recorded {
  settled: number[];
  deadLetters: DeadLetter[];
  valid: number;
  invalid: number;
  failures: unknown[];
}

export function sinkContext(
  store: ObjectStore,
  overrides: Partial<SinkContext> = {},
): SinkContext & { recorded: Recorded } {
  const recorded: Recorded = { settled: [], deadLetters: [], valid: 0, invalid: 0, failures: [] };
  let owner = 0;
  return {
    store,
    topic: 'prices',
    partition: 0,
    prefix: 'crypto_data',
    statePrefix: '_strata/ingest/crypto_data',
    limits: { maxRecords: 100, maxBytes: 5 * 1024 * 1024, maxAgeMs: 30_000 },
    maxRecordBytes: 65_536,
    owner: `test-owner-${++owner}-${Math.random().toString(36).slice(2, 8)}`,
    deadLetters: {
      publish: (letters) => {
        recorded.deadLetters.push(...letters);
        return Promise.resolve();
      },
    },
    onSettled: (offset) => recorded.settled.push(offset),
    onObjectWritten: () => undefined,
    onRecords: (valid, invalid) => {
      recorded.valid += valid;
      for (const count of invalid.values()) recorded.invalid += count;
    },
    onLandingFailed: (error) => recorded.failures.push(error),
    logger: silentLogger,
    now: () => Date.parse('2026-11-25T10:00:05.000Z'),
    recorded,
    ...overrides,
  };
}

export const keepGoing = { shouldContinue: () => true, overBudget: () => false };

/** Every line of every data object, as [object key, kafka offset] pairs. */
export async function landedOffsets(
  store: ObjectStore,
  prefix = 'crypto_data/',
): Promise<{ key: string; offsets: number[] }[]> {
  const objects = await store.list(prefix);
  return Promise.all(
    objects.map(async (o) => {
      const body = (await store.get(o.key))!.toString('utf8');
      const offsets = body
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { kafka_offset: number }).kafka_offset);
      return { key: o.key, offsets };
    }),
  );
}
