import type { ColumnInfo, GetQueryResultsOutput, Row as ResultRow } from '@aws-sdk/client-athena';

export interface AthenaColumn {
  name: string;
  type: string;
}

/** Athena returns every value as text (or nothing for NULL); callers cast what they need. */
export type AthenaRow = Record<string, string | null>;

export interface CollectedResults {
  columns: AthenaColumn[];
  rows: AthenaRow[];
  pages: number;
  truncated: boolean;
}

/**
 * Pure pagination: pulls pages through `fetchPage` until NextToken runs out or maxRows is
 * reached. For SELECT (DML) queries Athena's first row is the column header: it is skipped
 * when it repeats the column names, so a data row that happens to equal them is only dropped
 * if it is the very first row (the same rule the JDBC and PyAthena drivers apply).
 */
export async function collectResults(
  fetchPage: (nextToken: string | undefined) => Promise<GetQueryResultsOutput>,
  options: { statementType: string | undefined; maxRows?: number },
): Promise<CollectedResults> {
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY;
  const rows: AthenaRow[] = [];
  let columns: AthenaColumn[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(nextToken);
    pages++;
    if (pages === 1) columns = toColumns(page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []);
    let pageRows = page.ResultSet?.Rows ?? [];
    if (pages === 1 && options.statementType === 'DML' && isHeader(pageRows[0], columns))
      pageRows = pageRows.slice(1);
    for (const row of pageRows) {
      if (rows.length >= maxRows) return { columns, rows, pages, truncated: true };
      rows.push(toRecord(row, columns));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return { columns, rows, pages, truncated: false };
}

function toColumns(info: readonly ColumnInfo[]): AthenaColumn[] {
  return info.map((column, index) => ({
    name: column.Label ?? column.Name ?? `_col${index}`,
    type: column.Type ?? 'varchar',
  }));
}

function isHeader(row: ResultRow | undefined, columns: readonly AthenaColumn[]): boolean {
  if (!row?.Data || columns.length === 0 || row.Data.length !== columns.length) return false;
  return row.Data.every((datum, index) => datum.VarCharValue === columns[index]?.name);
}

function toRecord(row: ResultRow, columns: readonly AthenaColumn[]): AthenaRow {
  const record: AthenaRow = {};
  (row.Data ?? []).forEach((datum, index) => {
    record[columns[index]?.name ?? `_col${index}`] = datum.VarCharValue ?? null;
  });
  return record;
}
