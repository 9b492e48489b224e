import type { LoadedPipeline } from '../../config/load.ts';

/**
 * Counts the rows a check query returns, on the pipeline's warehouse. The caller holds the
 * warehouse lock (DuckDB's single writer), so dbt is not running while this reads. The query is
 * config written by the pipeline's owner, wrapped so only the count comes back.
 */
export function warehouseRowCounter(
  pipeline: LoadedPipeline,
): ((sql: string) => Promise<number>) | undefined {
  if (pipeline.engine.kind !== 'duckdb') return undefined;
  const file = pipeline.engine.duckdbPath;
  return async (sql) => {
    // Imported here, not above: a worker loads DuckDB only once it runs a SQL check.
    const { withDuckDb } = await import('../../engines/duckdb/index.ts');
    return withDuckDb(file, async (db) => {
      const rows = await db.query<{ n: number }>(
        `select count(*) as n from (${stripSemicolon(sql)}) as failing_rows`,
      );
      return Number(rows[0]?.n ?? 0);
    });
  };
}

function stripSemicolon(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}
