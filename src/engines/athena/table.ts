import type { AthenaClient } from '@aws-sdk/client-athena';
import { cryptoRawTableStatements, type CryptoRawTableOptions } from './ddl.ts';
import { runAthenaQuery } from './query.ts';

export interface EnsureTableOptions extends CryptoRawTableOptions {
  client: AthenaClient;
  workGroup?: string;
  outputLocation?: string;
  signal?: AbortSignal;
}

/** Creates or updates the external table crypto_raw_data; returns the executed statements. */
export async function ensureCryptoRawTable(options: EnsureTableOptions): Promise<string[]> {
  const statements = cryptoRawTableStatements(options);
  for (const sql of statements) {
    await runAthenaQuery({
      client: options.client,
      sql,
      workGroup: options.workGroup,
      outputLocation: options.outputLocation,
      signal: options.signal,
      timeoutMs: 60_000,
    });
  }
  return statements;
}
