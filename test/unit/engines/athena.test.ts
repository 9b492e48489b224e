import type { GetQueryResultsOutput, QueryExecution } from '@aws-sdk/client-athena';
import { describe, expect, it } from 'vitest';
import { cryptoRawTableStatements } from '../../../src/engines/athena/ddl.ts';
import {
  AthenaQueryError,
  AthenaRetryableQueryError,
  queryStateError,
} from '../../../src/engines/athena/errors.ts';
import { collectResults } from '../../../src/engines/athena/results.ts';
import { UsageError, isTransient } from '../../../src/shared/errors.ts';

// moto cannot make a query FAIL, so the mapping is tested on GetQueryExecution's real shape.
function execution(status: QueryExecution['Status']): QueryExecution {
  return {
    QueryExecutionId: 'b3a5c1d2-0000-4000-8000-000000000001',
    Query: 'select * from crypto_raw_data',
    StatementType: 'DML',
    WorkGroup: 'strata',
    ResultConfiguration: {
      OutputLocation: 's3://strata-athena-results/b3a5c1d2-0000-4000-8000-000000000001.csv',
    },
    Status: status,
  };
}

describe('queryStateError', () => {
  it("turns FAILED into an error with Athena's reason, the work group and the output location", () => {
    const error = queryStateError(
      execution({
        State: 'FAILED',
        StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'prize' cannot be resolved",
        AthenaError: {
          ErrorCategory: 2,
          ErrorType: 1006,
          Retryable: false,
          ErrorMessage: "Column 'prize' cannot be resolved",
        },
      }),
    );
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect(isTransient(error)).toBe(false);
    expect(error?.message).toBe(
      "Athena query b3a5c1d2-0000-4000-8000-000000000001 failed: COLUMN_NOT_FOUND: line 1:8: Column 'prize' cannot be resolved " +
        '(work group strata, output s3://strata-athena-results/b3a5c1d2-0000-4000-8000-000000000001.csv)',
    );
  });

  it('marks failures Athena calls retryable (system errors) as transient', () => {
    const error = queryStateError(
      execution({
        State: 'FAILED',
        StateChangeReason: 'Query exhausted resources at this scale factor',
        AthenaError: { ErrorCategory: 1, ErrorType: 401, Retryable: true },
      }),
    );
    expect(error).toBeInstanceOf(AthenaRetryableQueryError);
    expect(isTransient(error)).toBe(true);
  });

  it('reports CANCELLED even without a reason, and nothing for running or succeeded queries', () => {
    expect(queryStateError(execution({ State: 'CANCELLED' }))?.message).toMatch(
      /cancelled: cancelled \(no reason given\) \(work group strata, output s3:/,
    );
    expect(queryStateError(execution({ State: 'RUNNING' }))).toBeUndefined();
    expect(queryStateError(execution({ State: 'SUCCEEDED' }))).toBeUndefined();
  });
});

function page(rows: (string | undefined)[][], nextToken?: string): GetQueryResultsOutput {
  return {
    NextToken: nextToken,
    ResultSet: {
      ResultSetMetadata: {
        ColumnInfo: [
          { Name: 'coin', Label: 'coin', Type: 'varchar' },
          { Name: 'n', Label: 'n', Type: 'bigint' },
        ],
      },
      Rows: rows.map((values) => ({
        Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })),
      })),
    },
  };
}

describe('collectResults', () => {
  const pages: Record<string, GetQueryResultsOutput> = {
    first: page(
      [
        ['coin', 'n'],
        ['bitcoin', '4'],
        ['ethereum', undefined],
      ],
      't2',
    ),
    t2: page(
      [
        ['ripple', '2'],
        ['coin', 'n'],
      ],
      't3',
    ),
    t3: page([['dogecoin', '1']]),
  };
  const tokens: (string | undefined)[] = [];
  const fetchPage = (token: string | undefined) => {
    tokens.push(token);
    return Promise.resolve(pages[token ?? 'first'] ?? page([]));
  };

  it('follows NextToken, skips only the first header row of a SELECT and keeps NULLs', async () => {
    tokens.length = 0;
    const result = await collectResults(fetchPage, { statementType: 'DML' });
    expect(tokens).toEqual([undefined, 't2', 't3']);
    expect(result.columns).toEqual([
      { name: 'coin', type: 'varchar' },
      { name: 'n', type: 'bigint' },
    ]);
    expect(result.rows).toEqual([
      { coin: 'bitcoin', n: '4' },
      { coin: 'ethereum', n: null },
      { coin: 'ripple', n: '2' },
      { coin: 'coin', n: 'n' },
      { coin: 'dogecoin', n: '1' },
    ]);
    expect(result).toMatchObject({ pages: 3, truncated: false });
  });

  it('keeps the first row of statements without a header (DDL) and stops at maxRows', async () => {
    tokens.length = 0;
    const ddl = await collectResults(fetchPage, { statementType: 'DDL', maxRows: 2 });
    expect(ddl.rows).toEqual([
      { coin: 'coin', n: 'n' },
      { coin: 'bitcoin', n: '4' },
    ]);
    expect(ddl).toMatchObject({ truncated: true, pages: 1 });
    const cut = await collectResults(fetchPage, { statementType: 'DML', maxRows: 3 });
    expect(cut).toMatchObject({ truncated: true, pages: 2 });
    expect(cut.rows).toHaveLength(3);
  });
});

describe('cryptoRawTableStatements', () => {
  it('creates the external table over the lake with partition projection and the OpenX SerDe', () => {
    const [createDatabase, drop, create] = cryptoRawTableStatements({
      database: 'strata_raw',
      bucket: 'strata-lake',
      firstYear: 2025,
    });
    expect(createDatabase).toBe('CREATE DATABASE IF NOT EXISTS `strata_raw`');
    expect(drop).toBe('DROP TABLE IF EXISTS `strata_raw`.`crypto_raw_data`');
    expect(create).toContain('CREATE EXTERNAL TABLE `strata_raw`.`crypto_raw_data` (');
    expect(create).toContain('`price` double');
    expect(create).toContain('`kafka_offset` bigint');
    expect(create).toContain('PARTITIONED BY (`year` int, `month` int, `day` int)');
    expect(create).toContain("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'");
    expect(create).toContain("'ignore.malformed.json' = 'true'");
    expect(create).toContain("LOCATION 's3://strata-lake/crypto_data/'");
    expect(create).toContain("'projection.enabled' = 'true'");
    expect(create).toContain("'projection.year.range' = '2025,2100'");
    expect(create).toContain("'projection.month.digits' = '2'");
    expect(create).toContain("'projection.day.range' = '1,31'");
    expect(create).toContain(
      "'storage.location.template' = 's3://strata-lake/crypto_data/year=${year}/month=${month}/day=${day}/'",
    );
  });

  it('refuses names that would change the SQL', () => {
    expect(() => cryptoRawTableStatements({ database: 'raw`; drop', bucket: 'b-1' })).toThrow(
      UsageError,
    );
    expect(() => cryptoRawTableStatements({ database: 'raw', bucket: "x'y" })).toThrow(
      /invalid S3 bucket/,
    );
    expect(() =>
      cryptoRawTableStatements({ database: 'raw', bucket: 'lake', prefix: '/crypto_data/' }),
    ).toThrow(/prefix/);
  });
});
