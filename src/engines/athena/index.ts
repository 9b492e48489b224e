export { createAthenaClient } from './client.ts';
export { runAthenaQuery, type AthenaQueryOptions, type AthenaQueryResult } from './query.ts';
export {
  collectResults,
  type AthenaColumn,
  type AthenaRow,
  type CollectedResults,
} from './results.ts';
export {
  queryStateError,
  AthenaQueryError,
  AthenaRetryableQueryError,
  AthenaQueryTimeoutError,
  type AthenaQueryContext,
} from './errors.ts';
export { cryptoRawTableStatements, type CryptoRawTableOptions } from './ddl.ts';
export { ensureCryptoRawTable, type EnsureTableOptions } from './table.ts';
