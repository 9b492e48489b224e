import { describe, expect, it } from 'vitest';
import {
  formatLine,
  lineTail,
  objectKey,
  parseObjectKey,
  recordHead,
  utcDay,
} from '../../../src/ingest/layout.ts';

describe('object layout', () => {
  it('puts an object under the UTC day of its records, named by topic, partition and start offset', () => {
    const day = utcDay(Date.parse('2026-11-25T23:59:59.999-01:00'));
    expect(day).toBe('2026-11-26');
    expect(objectKey('crypto_data', day, 'selected_crypto_data', 2, '4200')).toBe(
      'crypto_data/year=2026/month=11/day=26/selected_crypto_data+2+0000000000000004200.jsonl',
    );
  });

  it('pads start offsets to 19 digits so one partition lists in offset order', () => {
    const offsets = ['0', '9', '99', '100', '1000', '9223372036854775807'];
    const keys = offsets.map((o) => objectKey('crypto_data', '2026-11-25', 't', 0, o));
    expect([...keys].sort()).toEqual(keys);
    expect(keys.map((k) => parseObjectKey(k)?.startOffset)).toEqual(offsets);
    expect(() => objectKey('crypto_data', '2026-11-25', 't', 0, '-1')).toThrow(RangeError);
    expect(() => objectKey('crypto_data', '2026-11-25', 't', 0, '1'.repeat(20))).toThrow(
      RangeError,
    );
  });

  it('parses its own keys back and ignores anything else', () => {
    const key = objectKey('crypto_data', '2026-01-05', 't.x-y_z', 10, '0');
    expect(parseObjectKey(key)).toEqual({
      prefix: 'crypto_data',
      day: '2026-01-05',
      topic: 't.x-y_z',
      partition: 10,
      startOffset: '0',
    });
    expect(parseObjectKey('crypto_data/year=2026/month=01/day=05/notes.txt')).toBeNull();
    expect(parseObjectKey('_strata/ingest/crypto_data/t/0/000000000001.json')).toBeNull();
  });

  it('still reads the unpadded names of objects landed before padding', () => {
    expect(parseObjectKey('crypto_data/year=2026/month=01/day=05/t+3+42.jsonl')).toMatchObject({
      topic: 't',
      partition: 3,
      startOffset: '42',
    });
  });

  it('writes one flat JSON object per line with the Kafka coordinates', () => {
    const record = {
      id: 'bitcoin',
      symbol: 'btc',
      name: 'Bitcoin',
      price: 64012.5,
      market_cap: 1.26e12,
      total_volume: 3.1e10,
      price_change_percentage_24h: -1.25,
      last_updated: '2026-11-25T10:00:00.000Z',
    };
    const line = formatLine(
      record,
      {
        topic: 'selected_crypto_data',
        partition: 0,
        offset: '42',
        timestamp: String(Date.parse('2026-11-25T10:00:00.123Z')),
      },
      '2026-11-25T10:00:05.000Z',
    );
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      ...record,
      kafka_topic: 'selected_crypto_data',
      kafka_partition: 0,
      kafka_offset: 42,
      kafka_timestamp: '2026-11-25T10:00:00.123Z',
      ingested_at: '2026-11-25T10:00:05.000Z',
    });
  });

  it('writes the record head exactly as JSON.stringify would, so canonical message bytes can stand in for it', () => {
    const record = {
      id: 'ripple',
      symbol: 'xrp',
      name: 'XRP',
      price: 0.61929306,
      market_cap: null,
      total_volume: 1.2e9,
      price_change_percentage_24h: -0.0955705,
      last_updated: '2026-11-25T10:00:00.000Z',
    };
    expect(`${recordHead(record)}}`).toBe(JSON.stringify(record));
    const at = { topic: 't', partition: 3, offset: '7', timestamp: '1795600000000' };
    expect(formatLine(record, at, 'x')).toBe(`${recordHead(record)}${lineTail(at, 'x')}`);
  });
});
