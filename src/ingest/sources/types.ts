import type { PriceRecord } from '../record.ts';

/** Where prices come from: one quote per requested coin per call. */
export interface PriceSource {
  readonly name: string;
  quotes(coins: readonly string[], signal?: AbortSignal): Promise<PriceRecord[]>;
}
