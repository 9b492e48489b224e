import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../../../src/ingest/record.ts';
import { SimulatedSource } from '../../../../src/ingest/sources/index.ts';

const coins = ['bitcoin', 'ethereum', 'ripple'];
const fixedNow = () => Date.parse('2026-11-25T10:00:00.000Z');

describe('SimulatedSource', () => {
  it('gives the same prices for the same seed and different prices for another seed', async () => {
    const a = new SimulatedSource(42, fixedNow);
    const b = new SimulatedSource(42, fixedNow);
    const c = new SimulatedSource(7, fixedNow);
    const run = async (s: SimulatedSource) => [await s.quotes(coins), await s.quotes(coins)];
    const [ra, rb, rc] = await Promise.all([run(a), run(b), run(c)]);
    expect(ra).toEqual(rb);
    expect(ra).not.toEqual(rc);
  });

  it('produces records that pass ingest validation, one per coin, near real price levels', async () => {
    const source = new SimulatedSource(1, fixedNow);
    for (let tick = 0; tick < 50; tick++) {
      const quotes = await source.quotes(coins);
      expect(quotes.map((q) => q.id)).toEqual(coins);
      for (const quote of quotes) {
        const result = validateRecord(Buffer.from(JSON.stringify(quote)), 65536);
        expect(result.ok).toBe(true);
      }
      const btc = quotes[0]!;
      expect(btc.price).toBeGreaterThan(50_000);
      expect(btc.price).toBeLessThan(80_000);
      expect(btc.last_updated).toBe('2026-11-25T10:00:00.000Z');
    }
  });

  it('walks: consecutive prices differ and the 24h change follows the walk', async () => {
    const source = new SimulatedSource(3, fixedNow);
    const first = (await source.quotes(['bitcoin']))[0]!;
    const second = (await source.quotes(['bitcoin']))[0]!;
    expect(second.price).not.toBe(first.price);
    expect(Math.sign(second.price_change_percentage_24h!)).toBe(Math.sign(second.price - 64_000));
  });

  it('rejects a coin it cannot simulate, naming the ones it can', async () => {
    await expect(new SimulatedSource(1).quotes(['bitcoin', 'nocoin'])).rejects.toThrow(
      /knows bitcoin, ethereum, ripple.*not nocoin/,
    );
  });
});
