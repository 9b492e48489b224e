import type { Logger } from '../../shared/logger.ts';
import { CoinGeckoSource } from './coingecko.ts';
import { SimulatedSource } from './simulated.ts';
import type { PriceSource } from './types.ts';

export { CoinGeckoSource, retryAfterMs, type CoinGeckoOptions } from './coingecko.ts';
export { SIMULATED_COINS, SimulatedSource, mulberry32 } from './simulated.ts';
export { BACKFILL_STEP_MS, tickClock, type TickClockOptions } from './clock.ts';
export type { PriceSource } from './types.ts';

/** The produce section of the compiled pipeline, as far as choosing a source needs it. */
export interface SourceSettings {
  source: 'simulated' | 'coingecko';
  seed?: number;
  coingecko: { baseUrl: string; apiKeyEnv: string };
}

export interface SourceDependencies {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  now?: () => number;
  logger?: Logger;
}

export function createPriceSource(
  settings: SourceSettings,
  deps: SourceDependencies = {},
): PriceSource {
  if (settings.source === 'simulated') return new SimulatedSource(settings.seed, deps.now);
  const env = deps.env ?? process.env;
  return new CoinGeckoSource({
    baseUrl: settings.coingecko.baseUrl,
    apiKey: env[settings.coingecko.apiKeyEnv] || undefined,
    fetch: deps.fetch,
    logger: deps.logger,
  });
}
