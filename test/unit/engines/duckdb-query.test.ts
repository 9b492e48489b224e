import { describe, expect, it } from 'vitest';
import { withDuckDb } from '../../../src/engines/duckdb/query.ts';
import { NonRetriableError } from '../../../src/shared/errors.ts';

describe('withDuckDb', () => {
  it('says the warehouse has not been built instead of creating an empty one', async () => {
    const error = await withDuckDb('/tmp/strata-no-such-warehouse.duckdb', () =>
      Promise.resolve(1),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetriableError);
    expect((error as Error).message).toBe(
      'DuckDB warehouse /tmp/strata-no-such-warehouse.duckdb does not exist yet (no dbt build has run)',
    );
  });
});
