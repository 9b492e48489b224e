import { z } from 'zod';
import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../../shared/durations.ts';

/**
 * The raw shape of config/pipeline.yaml, as users write it. Every object is strict: a typo in
 * a field name must fail loudly, not be silently ignored. Nothing past compile.ts sees this shape.
 */

export const ASSET_KEY = /^[a-z][a-z0-9_]*$/;

const assetKey = z
  .string()
  .regex(ASSET_KEY, 'must match ^[a-z][a-z0-9_]*$ (lower case, digits, underscores)');

const duration = z.string().refine((text) => parseDuration(text) !== undefined, {
  message: 'must be a duration such as 45s, 30m, 2h or 7d',
});

const timezone = z.string().refine(isKnownTimeZone, { message: 'is not a known IANA time zone' });

const cron = z.string().refine(isValidCron, {
  message: 'is not a valid cron expression (five or six fields, e.g. "*/5 * * * *")',
});

const severity = z.enum(['warn', 'error']);

const freshnessPolicy = z
  .strictObject({
    warnAfter: duration.optional(),
    failAfter: duration.optional(),
  })
  .refine((f) => f.warnAfter !== undefined || f.failAfter !== undefined, {
    message: 'needs warnAfter, failAfter or both',
  });

const sqlCheck = z.strictObject({
  name: assetKey,
  type: z.literal('sql'),
  /** A query returning the failing rows; the check passes when it returns none. */
  sql: z.string().min(1),
  severity: severity.default('error'),
  description: z.string().optional(),
});

const rowCountCheck = z.strictObject({
  name: assetKey,
  type: z.literal('row_count'),
  min: z.number().int().nonnegative(),
  severity: severity.default('error'),
  description: z.string().optional(),
});

const freshnessCheck = z.strictObject({
  name: assetKey,
  type: z.literal('freshness'),
  severity: severity.default('warn'),
  description: z.string().optional(),
});

const check = z.discriminatedUnion('type', [sqlCheck, rowCountCheck, freshnessCheck]);

const automation = z.strictObject({
  /** Materialize when an upstream asset of this one has a new successful materialization. */
  onUpstream: z.boolean().default(false),
  /** Plan a run before the freshness policy would be violated. */
  onFreshness: z.boolean().default(true),
});

const assetBase = {
  description: z.string().optional(),
  deps: z.array(assetKey).default([]),
  tags: z.array(assetKey).default([]),
  group: assetKey.optional(),
  freshness: freshnessPolicy.optional(),
  automation: automation.optional(),
  checks: z.array(check).default([]),
  /** Named concurrency pool (see `pools`); the same asset never runs twice at once regardless. */
  pool: assetKey.optional(),
  retries: z.number().int().min(0).max(20).optional(),
  timeout: duration.optional(),
};

const dbtAsset = z.strictObject({
  ...assetBase,
  kind: z.literal('dbt'),
  /** The dbt model name; defaults to the asset key. */
  model: assetKey.optional(),
});

const kafkaBatchesAsset = z.strictObject({
  ...assetBase,
  kind: z.literal('kafka_batches'),
});

const noopAsset = z.strictObject({
  ...assetBase,
  kind: z.literal('noop'),
  /** How long a materialization pretends to work; for tests and benchmarks. */
  sleep: duration.optional(),
});

export const assetSchema = z.discriminatedUnion('kind', [dbtAsset, kafkaBatchesAsset, noopAsset]);

const schedule = z
  .strictObject({
    cron,
    timezone: timezone.default('UTC'),
    description: z.string().optional(),
    /** Materialize this selection on each tick. */
    select: z.string().min(1).optional(),
    /** Or run a built-in task on each tick. */
    task: z.enum(['produce']).optional(),
    enabled: z.boolean().default(true),
  })
  .refine((s) => (s.select === undefined) !== (s.task === undefined), {
    message: 'needs exactly one of select or task',
  });

const kafka = z.strictObject({
  topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'is not a valid Kafka topic name').default('selected_crypto_data'),
  partitions: z.number().int().min(1).max(1000).default(3),
  replicationFactor: z.number().int().min(1).default(1),
  dlqTopic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'is not a valid Kafka topic name').optional(),
});

const ingest = z.strictObject({
  groupId: z.string().min(1).default('crypto-s3-sink'),
  batch: z
    .strictObject({
      maxRecords: z.number().int().min(1).default(100),
      maxBytes: z.number().int().min(1024).default(5 * 1024 * 1024),
      maxAge: duration.default('30s'),
    })
    .default({ maxRecords: 100, maxBytes: 5 * 1024 * 1024, maxAge: '30s' }),
  maxRecordBytes: z.number().int().min(256).default(64 * 1024),
  maxBufferedBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
});

const storage = z
  .strictObject({
    kind: z.enum(['local', 's3']).default('local'),
    path: z.string().min(1).default('./data/lake'),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'is not a valid S3 bucket name')
      .optional(),
    prefix: z.string().regex(/^[a-z0-9_]+$/, 'must match ^[a-z0-9_]+$').default('crypto_data'),
  })
  .refine((s) => s.kind !== 's3' || s.bucket !== undefined, {
    message: 'kind s3 needs a bucket',
  });

const produce = z.strictObject({
  source: z.enum(['simulated', 'coingecko']).default('simulated'),
  coins: z.array(assetKey).min(1).default(['bitcoin', 'ethereum', 'ripple']),
  seed: z.number().int().optional(),
  coingecko: z
    .strictObject({
      baseUrl: z.url().default('https://api.coingecko.com/api/v3'),
      apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default('COINGECKO_API_KEY'),
    })
    .default({ baseUrl: 'https://api.coingecko.com/api/v3', apiKeyEnv: 'COINGECKO_API_KEY' }),
});

const engine = z.strictObject({
  kind: z.enum(['duckdb', 'athena']).default('duckdb'),
  dbtProject: z.string().min(1).default('./dbt'),
  duckdb: z.strictObject({ path: z.string().min(1).default('./data/warehouse.duckdb') }).optional(),
  athena: z
    .strictObject({
      database: assetKey,
      workgroup: z.string().min(1).default('primary'),
      outputLocation: z.string().startsWith('s3://'),
    })
    .optional(),
});

const runs = z.strictObject({
  /** How many runs and materializations the event log keeps per asset. */
  retainPerAsset: z.number().int().min(1).default(100),
  retries: z.number().int().min(0).max(20).default(2),
  timeout: duration.default('30m'),
});

export const pipelineSchema = z.strictObject({
  version: z.literal(1),
  assets: z.record(assetKey, assetSchema).refine((a) => Object.keys(a).length > 0, {
    message: 'declares no assets',
  }),
  pools: z.record(assetKey, z.number().int().min(1)).default({}),
  schedules: z.record(assetKey, schedule).default({}),
  kafka: kafka.default(kafka.parse({})),
  ingest: ingest.default(ingest.parse({})),
  storage: storage.default({ kind: 'local', path: './data/lake', prefix: 'crypto_data' }),
  produce: produce.default(produce.parse({})),
  engine: engine.default(engine.parse({})),
  runs: runs.default(runs.parse({})),
});

export type RawPipeline = z.infer<typeof pipelineSchema>;
export type RawAsset = z.infer<typeof assetSchema>;
export type RawCheck = z.infer<typeof check>;

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isValidCron(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });
    return true;
  } catch {
    return false;
  }
}
