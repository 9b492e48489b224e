import { UsageError } from '../../shared/errors.ts';

export interface CryptoRawTableOptions {
  /** Glue database that holds the table (dbt var raw_database / STRATA_ATHENA_RAW_DATABASE). */
  database: string;
  bucket: string;
  /** Key prefix of the lake, without slashes at either end. */
  prefix?: string;
  table?: string;
  /** First year partition projection may address. */
  firstYear?: number;
  /** Last year partition projection may address. */
  lastYear?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;

/**
 * The raw contract written by ingest, as Athena columns. Timestamps stay strings: the OpenX
 * SerDe's timestamp parsing does not accept ISO-8601 with 'Z' reliably, and bronze parses
 * them the same way on both engines (macro parse_timestamp).
 */
const COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['id', 'string'],
  ['symbol', 'string'],
  ['name', 'string'],
  ['price', 'double'],
  ['market_cap', 'double'],
  ['total_volume', 'double'],
  ['price_change_percentage_24h', 'double'],
  ['last_updated', 'string'],
  ['kafka_topic', 'string'],
  ['kafka_partition', 'int'],
  ['kafka_offset', 'bigint'],
  ['kafka_timestamp', 'string'],
  ['ingested_at', 'string'],
];

/**
 * Statements that create, or replace with the current definition, the external table over
 * s3://<bucket>/<prefix>/. Athena has no CREATE OR REPLACE for external tables; dropping an
 * external table removes only metadata, never the objects. Partition projection computes
 * year/month/day partitions from the path template, so no MSCK REPAIR or crawler is needed
 * as new days land. Run them in order, one statement per query.
 */
export function cryptoRawTableStatements(options: CryptoRawTableOptions): string[] {
  const database = identifier(options.database, 'database');
  const table = identifier(options.table ?? 'crypto_raw_data', 'table');
  if (!BUCKET.test(options.bucket))
    throw new UsageError(`invalid S3 bucket name: ${JSON.stringify(options.bucket)}`);
  const prefix = options.prefix ?? 'crypto_data';
  if (!PREFIX.test(prefix))
    throw new UsageError(
      `invalid lake prefix (no leading/trailing slash): ${JSON.stringify(prefix)}`,
    );
  const firstYear = options.firstYear ?? 2024;
  const lastYear = options.lastYear ?? 2100;
  if (!Number.isInteger(firstYear) || !Number.isInteger(lastYear) || firstYear > lastYear) {
    throw new UsageError(`invalid projection year range ${firstYear}..${lastYear}`);
  }
  const location = `s3://${options.bucket}/${prefix}/`;
  const columns = COLUMNS.map(([name, type]) => `  \`${name}\` ${type}`).join(',\n');
  return [
    `CREATE DATABASE IF NOT EXISTS \`${database}\``,
    `DROP TABLE IF EXISTS \`${database}\`.\`${table}\``,
    `CREATE EXTERNAL TABLE \`${database}\`.\`${table}\` (
${columns}
)
PARTITIONED BY (\`year\` int, \`month\` int, \`day\` int)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES (
  'ignore.malformed.json' = 'true',
  'case.insensitive' = 'true'
)
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${location}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.year.type' = 'integer',
  'projection.year.range' = '${firstYear},${lastYear}',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'projection.day.type' = 'integer',
  'projection.day.range' = '1,31',
  'projection.day.digits' = '2',
  'storage.location.template' = '${location}year=\${year}/month=\${month}/day=\${day}/',
  'classification' = 'json'
)`,
  ];
}

function identifier(value: string, what: string): string {
  if (!IDENTIFIER.test(value))
    throw new UsageError(`invalid Athena ${what} name: ${JSON.stringify(value)}`);
  return value;
}
