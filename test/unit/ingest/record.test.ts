import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../../src/ingest/record.ts';

const good = {
  id: 'bitcoin',
  symbol: 'btc',
  name: 'Bitcoin',
  price: 64012.5,
  market_cap: 1.26e12,
  total_volume: 3.1e10,
  price_change_percentage_24h: -1.25,
  last_updated: '2026-11-25T10:00:00Z',
};

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('validateRecord', () => {
  it('accepts a price record and normalises its timestamp', () => {
    const result = validateRecord(json(good), 65536);
    expect(result).toMatchObject({
      ok: true,
      record: { ...good, last_updated: '2026-11-25T10:00:00.000Z' },
    });
  });

  it('fills optional amounts with null and drops unknown fields', () => {
    const minimal = {
      id: good.id,
      symbol: good.symbol,
      name: good.name,
      price: good.price,
      last_updated: good.last_updated,
    };
    const result = validateRecord(json({ ...minimal, extra: 'ignored' }), 65536);
    expect(result.ok && result.record).toEqual({
      ...minimal,
      market_cap: null,
      total_volume: null,
      price_change_percentage_24h: null,
      last_updated: '2026-11-25T10:00:00.000Z',
    });
  });

  it.each([
    ['a null value (tombstone)', null, 'null_value'],
    ['bad JSON', Buffer.from('{"id": "bitcoin",'), 'invalid_json'],
    ['NaN, which JSON cannot carry', Buffer.from('{"price": NaN}'), 'invalid_json'],
    ['non-UTF-8 bytes', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid_utf8'],
    ['an array', json([good]), 'not_an_object'],
    ['a bare string', json('bitcoin'), 'not_an_object'],
    ['a missing field', json({ ...good, price: undefined }), 'missing_field'],
    ['a price of the wrong type', json({ ...good, price: '64000' }), 'wrong_type'],
    ['a null required field', json({ ...good, name: null }), 'wrong_type'],
    ['a negative price', json({ ...good, price: -1 }), 'invalid_price'],
    ['a zero price', json({ ...good, price: 0 }), 'invalid_price'],
    [
      'an infinite price',
      Buffer.from(JSON.stringify(good).replace('64012.5', '1e999')),
      'invalid_price',
    ],
    ['an unparseable timestamp', json({ ...good, last_updated: 'yesterday' }), 'invalid_timestamp'],
    [
      'a timestamp without a zone',
      json({ ...good, last_updated: '2026-11-25T10:00:00' }),
      'invalid_timestamp',
    ],
    [
      'an impossible date',
      json({ ...good, last_updated: '2026-13-45T10:00:00Z' }),
      'invalid_timestamp',
    ],
    ['an id with path characters', json({ ...good, id: '../etc' }), 'invalid_field'],
    ['a negative market cap', json({ ...good, market_cap: -5 }), 'invalid_field'],
  ])('rejects %s', (_label, value, reason) => {
    const result = validateRecord(value, 65536);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe(reason);
    expect(!result.ok && result.detail.length).toBeGreaterThan(0);
  });

  it('rejects a value over the size limit before parsing it', () => {
    const result = validateRecord(json({ ...good, name: 'x'.repeat(300) }), 256);
    expect(result).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it('names the missing fields', () => {
    const result = validateRecord(json({ id: 'bitcoin' }), 65536);
    expect(!result.ok && result.detail).toBe('missing symbol, name, price, last_updated');
  });

  describe('canonical text, reused for the line instead of serialising again', () => {
    const canonical = { ...good, last_updated: '2026-11-25T10:00:00.000Z' };
    const isCanonical = (text: string): boolean | 'invalid' => {
      const result = validateRecord(Buffer.from(text), 65536);
      return result.ok ? result.canonical : 'invalid';
    };

    it('is the text itself when it is compact JSON of exactly the record', () => {
      expect(isCanonical(JSON.stringify(canonical))).toBe(true);
    });

    it.each([
      ['whitespace', JSON.stringify(canonical, null, 1)],
      ['an extra field', JSON.stringify({ ...canonical, extra: 1 })],
      [
        'another field order',
        JSON.stringify(Object.fromEntries(Object.entries(canonical).reverse())),
      ],
      ['a duplicate key', JSON.stringify(canonical).replace('{', '{"price":-1,')],
      [
        'a timestamp not in toISOString form',
        JSON.stringify({ ...canonical, last_updated: '2026-11-25T10:00:00Z' }),
      ],
      ['an escaped string', JSON.stringify(canonical).replace('"Bitcoin"', '"Bit\\u0063oin"')],
      ['a missing optional field', JSON.stringify({ ...canonical, market_cap: undefined })],
      ['a number written longer', JSON.stringify(canonical).replace('64012.5', '64012.50')],
      [
        'numbers written otherwise in the same total length',
        JSON.stringify({ ...canonical, price: 1e21, market_cap: 1e22 })
          .replace('1e+21', '1e21')
          .replace('1e+22', '1e22')
          .replace('31000000000', '31000000000.0'),
      ],
    ])('is not reused with %s', (_label, text) => {
      expect(isCanonical(text)).toBe(false);
    });

    it('rejects a date the calendar does not have', () => {
      expect(
        validateRecord(json({ ...good, last_updated: '2026-02-30T10:00:00Z' }), 65536),
      ).toMatchObject({ ok: false, reason: 'invalid_timestamp' });
    });
  });
});
