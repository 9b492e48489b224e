import { existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue, type JS } from '@duckdb/node-api';
import { NonRetriableError, TransientError, errorMessage } from '../../shared/errors.ts';
import { withFileLock } from './file-lock.ts';

export type Row = Record<string, JS>;

export interface DuckDbSession {
  /** Runs one statement; `$name` or `?` placeholders take `params` (never interpolate data). */
  query<T extends Row = Row>(
    sql: string,
    params?: DuckDBValue[] | Record<string, DuckDBValue>,
  ): Promise<T[]>;
}

/**
 * Opens the warehouse read-only for the duration of `fn`, then closes it. Short-lived on
 * purpose: an open handle blocks dbt from writing (see file-lock.ts).
 */
export async function withDuckDb<T>(
  file: string,
  fn: (db: DuckDbSession) => Promise<T>,
): Promise<T> {
  if (!existsSync(file)) {
    throw new NonRetriableError(
      `DuckDB warehouse ${file} does not exist yet (no dbt build has run)`,
    );
  }
  return withFileLock(file, async () => {
    const instance = await openReadOnly(file);
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      return await fn(sessionOf(connection));
    } finally {
      connection?.closeSync();
      instance.closeSync();
    }
  });
}

async function openReadOnly(file: string): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(file, {
      access_mode: 'READ_ONLY',
      // No network at run time: never fetch extensions (json, parquet, icu are built in).
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
  } catch (error) {
    if (/lock/i.test(errorMessage(error))) {
      throw new TransientError(
        `DuckDB warehouse ${file} is locked by another process (a dbt run?)`,
        {
          cause: error,
        },
      );
    }
    throw new NonRetriableError(`cannot open DuckDB warehouse ${file}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

function sessionOf(connection: DuckDBConnection): DuckDbSession {
  return {
    async query<T extends Row = Row>(
      sql: string,
      params?: DuckDBValue[] | Record<string, DuckDBValue>,
    ) {
      const reader = await connection.runAndReadAll(sql, params);
      return reader.getRowObjectsJS().map(plainRow) as T[];
    },
  };
}

/** Counts come back as BIGINT; callers want numbers when no precision is lost. */
function plainRow(row: Record<string, JS>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] =
      typeof value === 'bigint' &&
      value <= BigInt(Number.MAX_SAFE_INTEGER) &&
      value >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(value)
        : value;
  }
  return out;
}
