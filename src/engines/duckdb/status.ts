import { withDuckDb } from './query.ts';

/** What the warehouse holds for one dbt model: its size and the newest data in it. */
export interface ModelDataStatus {
  model: string;
  relation: string;
  /** null when the model has not been built yet. */
  rows: number | null;
  /** Newest record time in the model (its data time), null when empty or not built. */
  newestDataAt: Date | null;
}

/** The crypto models and the column that carries each one's record time. */
const MODELS = [
  { model: 'crypto_raw', schema: 'bronze', table: 'crypto_raw', timeColumn: 'last_updated' },
  { model: 'crypto_stage', schema: 'silver', table: 'crypto_stage', timeColumn: 'last_updated' },
  {
    model: 'crypto_curated',
    schema: 'gold',
    table: 'crypto_curated',
    timeColumn: 'last_record_at',
  },
  {
    model: 'crypto_latest_price',
    schema: 'gold',
    table: 'crypto_latest_price',
    timeColumn: 'last_updated',
  },
] as const;

/** Row counts and data times of the bronze, silver and gold models in a DuckDB warehouse. */
export function readModelDataStatus(warehouse: string): Promise<ModelDataStatus[]> {
  return withDuckDb(warehouse, async (db) => {
    const existing = await db.query<{ schema: string; name: string }>(
      'select table_schema as schema, table_name as name from information_schema.tables',
    );
    const built = new Set(existing.map((t) => `${t.schema}.${t.name}`));
    const statuses: ModelDataStatus[] = [];
    for (const { model, schema, table, timeColumn } of MODELS) {
      const relation = `${schema}.${table}`;
      if (!built.has(relation)) {
        statuses.push({ model, relation, rows: null, newestDataAt: null });
        continue;
      }
      // Identifiers come from the constant list above, never from input.
      const [row] = await db.query<{ rows: number; newest: Date | null }>(
        `select count(*) as rows, max(${timeColumn}) as newest from ${schema}.${table}`,
      );
      statuses.push({ model, relation, rows: row?.rows ?? 0, newestDataAt: row?.newest ?? null });
    }
    return statuses;
  });
}
