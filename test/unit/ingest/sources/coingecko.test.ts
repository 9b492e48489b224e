import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CoinGeckoSource, retryAfterMs } from '../../../../src/ingest/sources/index.ts';

const market = {
  id: 'bitcoin',
  symbol: 'btc',
  name: 'Bitcoin',
  current_price: 64012.5,
  market_cap: 1.26e12,
  total_volume: 3.1e10,
  price_change_percentage_24h: null,
  last_updated: '2026-11-25T10:00:00.000Z',
  ath: 1,
};

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server | undefined;
const seen: { url: string; apiKey: string | undefined }[] = [];

async function serve(replies: Reply[]): Promise<string> {
  seen.length = 0;
  server = createServer((req, res) => {
    seen.push({
      url: req.url ?? '',
      apiKey: req.headers['x-cg-demo-api-key'] as string | undefined,
    });
    const reply = replies.shift() ?? ((_q, r) => r.writeHead(500).end());
    reply(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));
  };

const fastBackoff = { initialMs: 5, maxMs: 20, factor: 2, jitter: 0 };

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('CoinGeckoSource', () => {
  it('asks /coins/markets for the coins in USD with the demo key and maps the answer', async () => {
    const baseUrl = await serve([json(200, [market])]);
    const source = new CoinGeckoSource({ baseUrl, apiKey: 'demo-key' });
    const quotes = await source.quotes(['bitcoin', 'ethereum']);
    expect(seen).toEqual([
      { url: '/api/v3/coins/markets?vs_currency=usd&ids=bitcoin%2Cethereum', apiKey: 'demo-key' },
    ]);
    expect(quotes).toEqual([
      {
        id: 'bitcoin',
        symbol: 'btc',
        name: 'Bitcoin',
        price: 64012.5,
        market_cap: 1.26e12,
        total_volume: 3.1e10,
        price_change_percentage_24h: null,
        last_updated: '2026-11-25T10:00:00.000Z',
      },
    ]);
  });

  it('sends no key header when no key is configured', async () => {
    const baseUrl = await serve([json(200, [market])]);
    await new CoinGeckoSource({ baseUrl }).quotes(['bitcoin']);
    expect(seen[0]?.apiKey).toBeUndefined();
  });

  it('waits out a 429 for its Retry-After rather than the shorter backoff, then succeeds', async () => {
    const baseUrl = await serve([
      json(429, { error: 'throttled' }, { 'retry-after': '1' }),
      json(200, [market]),
    ]);
    const retries: { delayMs: number }[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void retries.push(JSON.parse(line) as { delayMs: number }) },
    );
    const quotes = await new CoinGeckoSource({ baseUrl, backoff: fastBackoff, logger }).quotes([
      'bitcoin',
    ]);
    expect(quotes).toHaveLength(1);
    expect(seen).toHaveLength(2);
    expect(retries.map((r) => r.delayMs)).toEqual([1000]);
  });

  it('retries server errors with backoff and gives up after the attempts', async () => {
    const baseUrl = await serve([json(502, {}), json(503, {}), json(200, [market])]);
    expect(
      await new CoinGeckoSource({ baseUrl, backoff: fastBackoff }).quotes(['bitcoin']),
    ).toHaveLength(1);
    expect(seen).toHaveLength(3);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const failing = await serve([json(500, {}), json(500, {}), json(500, {})]);
    await expect(
      new CoinGeckoSource({ baseUrl: failing, attempts: 3, backoff: fastBackoff }).quotes([
        'bitcoin',
      ]),
    ).rejects.toThrow('answered 500');
    expect(seen).toHaveLength(3);
  });

  it('does not retry a client error', async () => {
    const baseUrl = await serve([json(401, { error: 'bad key' }), json(200, [market])]);
    await expect(
      new CoinGeckoSource({ baseUrl, backoff: fastBackoff }).quotes(['bitcoin']),
    ).rejects.toThrow(/401.*bad key/);
    expect(seen).toHaveLength(1);
  });

  it('rejects an answer of an unexpected shape', async () => {
    const baseUrl = await serve([json(200, { not: 'an array' })]);
    await expect(new CoinGeckoSource({ baseUrl }).quotes(['bitcoin'])).rejects.toThrow(
      /unexpected shape/,
    );
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = (input) => {
      calls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return Promise.resolve(new Response(JSON.stringify([market]), { status: 200 }));
    };
    await new CoinGeckoSource({
      baseUrl: 'http://example.invalid/api/v3/',
      fetch: fakeFetch,
    }).quotes(['ripple']);
    expect(calls).toEqual([
      'http://example.invalid/api/v3/coins/markets?vs_currency=usd&ids=ripple',
    ]);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 25 Nov 2026 10:00:10 GMT', Date.parse('2026-11-25T10:00:00Z'))).toBe(
      10_000,
    );
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
