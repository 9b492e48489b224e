import { z } from 'zod';
import { backoffDelay, sleep, type BackoffOptions } from '../../shared/backoff.ts';
import { NonRetriableError, TransientError, isTransient } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { PriceRecord } from '../record.ts';
import type { PriceSource } from './types.ts';

export interface CoinGeckoOptions {
  baseUrl: string;
  /** Demo API key, sent as `x-cg-demo-api-key`; never logged. */
  apiKey?: string;
  /** Injectable so tests can point at a local server. */
  fetch?: typeof fetch;
  attempts?: number;
  backoff?: BackoffOptions;
  /** Upper bound on a Retry-After the source is willing to honour. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  logger?: Logger;
}

const marketSchema = z.array(
  z.object({
    id: z.string(),
    symbol: z.string(),
    name: z.string(),
    current_price: z.number(),
    market_cap: z.number().nullable().optional(),
    total_volume: z.number().nullable().optional(),
    price_change_percentage_24h: z.number().nullable().optional(),
    last_updated: z.string(),
  }),
);

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, factor: 2, jitter: 1 };

/**
 * CoinGecko's /coins/markets. Throttling (429, honouring Retry-After) and server errors (5xx)
 * are retried with backoff; other client errors are not, since repeating them cannot help.
 */
export class CoinGeckoSource implements PriceSource {
  readonly name = 'coingecko';

  constructor(private readonly options: CoinGeckoOptions) {}

  async quotes(coins: readonly string[], signal?: AbortSignal): Promise<PriceRecord[]> {
    const attempts = this.options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchOnce(coins, signal);
      } catch (error) {
        if (attempt >= attempts || !isTransient(error) || signal?.aborted) throw error;
        const retryAfter = error instanceof TransientError ? (error.retryAfterMs ?? 0) : 0;
        const delay = Math.max(
          backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF),
          Math.min(retryAfter, this.options.maxRetryAfterMs ?? 60_000),
        );
        this.options.logger?.warn(
          { attempt, delayMs: delay, error: (error as Error).message },
          'coingecko request failed, retrying',
        );
        await sleep(delay, signal);
      }
    }
  }

  private async fetchOnce(coins: readonly string[], signal?: AbortSignal): Promise<PriceRecord[]> {
    const url = new URL(
      'coins/markets',
      this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`,
    );
    url.searchParams.set('vs_currency', 'usd');
    url.searchParams.set('ids', coins.join(','));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers['x-cg-demo-api-key'] = this.options.apiKey;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        headers,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new TransientError(`coingecko unreachable: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new TransientError(`coingecko answered ${response.status}`, {
        retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      });
    }
    if (!response.ok) {
      const text = (await response.text()).slice(0, 200);
      throw new NonRetriableError(`coingecko answered ${response.status}: ${text}`);
    }
    const parsed = marketSchema.safeParse(await response.json());
    if (!parsed.success)
      throw new NonRetriableError(
        `coingecko returned an unexpected shape: ${parsed.error.message}`,
      );
    return parsed.data.map((m) => ({
      id: m.id,
      symbol: m.symbol,
      name: m.name,
      price: m.current_price,
      market_cap: m.market_cap ?? null,
      total_volume: m.total_volume ?? null,
      price_change_percentage_24h: m.price_change_percentage_24h ?? null,
      last_updated: m.last_updated,
    }));
  }
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
