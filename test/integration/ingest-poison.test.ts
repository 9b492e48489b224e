import type { Admin, KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/ingest/index.ts';
import { LocalObjectStore } from '../../src/storage/index.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  Resources,
  createIngestService,
  createTestTopic,
  duplicates,
  landedSequences,
  priceJson,
  readLake,
  tempDir,
  testKafka,
} from './ingest-support.ts';

const resources = new Resources();
afterEach(() => resources.release());

const valid = JSON.parse(priceJson(0)) as Record<string, unknown>;
const poison: { label: string; value: Buffer | string | null; reason: string }[] = [
  { label: 'bad JSON', value: '{"id":"bitcoin","price":', reason: 'invalid_json' },
  { label: 'NaN literal', value: priceJson(0).replace('60000', 'NaN'), reason: 'invalid_json' },
  {
    label: 'wrong type',
    value: JSON.stringify({ ...valid, price: 'sixty thousand' }),
    reason: 'wrong_type',
  },
  {
    label: 'missing field',
    value: JSON.stringify({ ...valid, last_updated: undefined }),
    reason: 'missing_field',
  },
  {
    label: 'negative price',
    value: JSON.stringify({ ...valid, price: -3 }),
    reason: 'invalid_price',
  },
  {
    label: 'bad timestamp',
    value: JSON.stringify({ ...valid, last_updated: '25/11/2026' }),
    reason: 'invalid_timestamp',
  },
  {
    label: 'oversized value',
    value: JSON.stringify({ ...valid, name: 'x'.repeat(2_000) }),
    reason: 'too_large',
  },
  {
    label: 'non-UTF-8 bytes',
    value: Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    reason: 'invalid_utf8',
  },
  { label: 'null value', value: null, reason: 'null_value' },
  { label: 'an array', value: '[1,2,3]', reason: 'not_an_object' },
];

describe('ingest with poison records', () => {
  it('dead-letters each invalid record with its reason and coordinates, and lands every valid record once', async () => {
    const t = await createTestTopic(resources, testKafka(), 2);
    const store = await LocalObjectStore.open(await tempDir(resources, 'lake'));
    // Valid records (seq 0..59) interleaved with every kind of poison, on both partitions.
    const messages: { partition: number; key: string; value: Buffer | string | null }[] = [];
    for (let seq = 0; seq < 60; seq++) {
      messages.push({ partition: seq % 2, key: 'bitcoin', value: priceJson(seq) });
      const bad = poison[seq % poison.length]!;
      if (seq < 2 * poison.length)
        messages.push({ partition: seq % 2, key: `poison-${bad.label}`, value: bad.value });
    }
    await t.producer.send({ topic: t.topic, acks: -1, messages });

    const registry = new Registry();
    const service = createIngestService(
      resources,
      t,
      store,
      {
        batch: { maxRecords: 7, maxBytes: 1_000_000, maxAgeMs: 500 },
        maxRecordBytes: 1_024,
        maxBufferedBytes: 10_000_000,
      },
      registry,
    );
    await service.start();
    await waitFor(
      'all messages consumed and landed',
      () => service.stats().consumed >= messages.length && service.stats().bufferedBytes === 0,
      60_000,
    );
    await service.close();

    const lines = await readLake(store);
    expect(lines).toHaveLength(60);
    expect(duplicates(lines)).toEqual([]);
    expect([...landedSequences(lines)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i),
    );

    const letters = await readTopic(t.dlqTopic, 2 * poison.length, t.admin);
    expect(letters).toHaveLength(2 * poison.length);
    for (const letter of letters) {
      const label = letter.key!.toString().replace('poison-', '');
      const expected = poison.find((p) => p.label === label)!;
      expect(header(letter, DLQ_HEADERS.reason)).toBe(expected.reason);
      expect(header(letter, DLQ_HEADERS.detail)).not.toBe('');
      expect(header(letter, DLQ_HEADERS.topic)).toBe(t.topic);
      expect(['0', '1']).toContain(header(letter, DLQ_HEADERS.partition));
      expect(Number(header(letter, DLQ_HEADERS.offset))).toBeGreaterThanOrEqual(0);
      // The original bytes travel untouched, so the record can be repaired and replayed.
      const original = expected.value === null ? null : Buffer.from(expected.value);
      expect(letter.value).toEqual(original);
    }
    const coordinates = letters.map(
      (l) => `${header(l, DLQ_HEADERS.partition)}:${header(l, DLQ_HEADERS.offset)}`,
    );
    expect(new Set(coordinates).size).toBe(letters.length);

    const invalid = await registry.getSingleMetric('strata_ingest_records_invalid_total')!.get();
    expect(invalid.values.reduce((sum, v) => sum + v.value, 0)).toBe(2 * poison.length);
    expect(service.stats()).toMatchObject({ valid: 60, invalid: 2 * poison.length });
  });
});

function header(message: KafkaMessage, name: string): string {
  return message.headers?.[name]?.toString() ?? '';
}

async function readTopic(topic: string, expected: number, admin: Admin): Promise<KafkaMessage[]> {
  const groupId = `${topic}-reader`;
  const consumer = testKafka().consumer({ groupId });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  resources.add(async () => {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]);
  });
  await consumer.subscribe({ topic, fromBeginning: true });
  // Read to the end of the topic as it stands (ingest has closed: nothing more is written), so
  // a duplicate dead letter would be among what was read, not still on its way.
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
  );
  const next = new Map<number, number>();
  await consumer.run({
    eachMessage: ({ partition, message }) => {
      seen.push(message);
      next.set(partition, Number(message.offset) + 1);
      return Promise.resolve();
    },
  });
  await waitFor(
    `${topic} read to its end (${expected} dead letters expected)`,
    () => [...ends].every(([partition, end]) => (next.get(partition) ?? 0) >= end),
    30_000,
  );
  await consumer.stop();
  return seen;
}
