import { UsageError } from '../../shared/errors.ts';
import type { PriceRecord } from '../record.ts';
import type { PriceSource } from './types.ts';

interface CoinProfile {
  symbol: string;
  name: string;
  price: number;
  supply: number;
  volume: number;
}

/** Starting points close to real markets, so simulated data passes the same range checks as real data. */
const COINS: Readonly<Record<string, CoinProfile>> = {
  bitcoin: { symbol: 'btc', name: 'Bitcoin', price: 64_000, supply: 19_700_000, volume: 3.1e10 },
  ethereum: { symbol: 'eth', name: 'Ethereum', price: 3_400, supply: 120_200_000, volume: 1.5e10 },
  ripple: { symbol: 'xrp', name: 'XRP', price: 0.62, supply: 55_000_000_000, volume: 1.2e9 },
  solana: { symbol: 'sol', name: 'Solana', price: 150, supply: 460_000_000, volume: 3.0e9 },
  cardano: { symbol: 'ada', name: 'Cardano', price: 0.45, supply: 35_000_000_000, volume: 4.0e8 },
  dogecoin: {
    symbol: 'doge',
    name: 'Dogecoin',
    price: 0.15,
    supply: 144_000_000_000,
    volume: 1.0e9,
  },
};

export const SIMULATED_COINS = Object.keys(COINS);

/** Per-tick volatility of the log price (about 0.1%). */
const STEP_SIGMA = 0.001;

/**
 * A geometric random walk per coin, reproducible from a seed: the same seed and the same sequence
 * of calls give the same prices, which tests rely on. `now` supplies last_updated.
 */
export class SimulatedSource implements PriceSource {
  readonly name = 'simulated';
  private readonly random: () => number;
  private readonly walk = new Map<string, { open: number; price: number }>();

  constructor(
    seed: number = Date.now(),
    private readonly now: () => number = Date.now,
  ) {
    this.random = mulberry32(seed);
  }

  quotes(coins: readonly string[]): Promise<PriceRecord[]> {
    const unknown = coins.filter((c) => !(c in COINS));
    if (unknown.length > 0) {
      return Promise.reject(
        new UsageError(
          `the simulated source knows ${SIMULATED_COINS.join(', ')}; not ${unknown.join(', ')}`,
        ),
      );
    }
    const lastUpdated = new Date(this.now()).toISOString();
    return Promise.resolve(coins.map((coin) => this.step(coin, COINS[coin]!, lastUpdated)));
  }

  private step(id: string, profile: CoinProfile, lastUpdated: string): PriceRecord {
    const state = this.walk.get(id) ?? { open: profile.price, price: profile.price };
    state.price *= Math.exp(STEP_SIGMA * this.gaussian());
    this.walk.set(id, state);
    const price = roundSignificant(state.price, 8);
    return {
      id,
      symbol: profile.symbol,
      name: profile.name,
      price,
      market_cap: Math.round(price * profile.supply),
      total_volume: Math.round(profile.volume * (0.8 + 0.4 * this.random())),
      price_change_percentage_24h: roundSignificant((state.price / state.open - 1) * 100, 6),
      last_updated: lastUpdated,
    };
  }

  /** Box-Muller: a standard normal draw from two uniform draws. */
  private gaussian(): number {
    const u = Math.max(this.random(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
}

/** A small, fast, seedable PRNG with good enough statistics for a price simulation. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function roundSignificant(value: number, digits: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(digits));
}
