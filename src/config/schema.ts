import { z } from 'zod';
import { parseDuration } from '../shared/durations.ts';
import { cronProblem } from './cron.ts';

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

/** Checked with BullMQ's own cron parser (see cron.ts): what passes here is what fires. */
const cron = z.string().superRefine((expression, ctx) => {
  const problem = cronProblem(expression);
  if (problem === undefined) return;
  ctx.addIssue({
    code: 'custom',
    message: `is not a valid cron expression (${problem}); use five fields, or six with seconds first, e.g. "*/5 * * * *"`,
  });
});

const severity = z.enum(['warn', 'error']);

const freshnessPolicy = z
  .strictObject({
    warnAfter: duration.optional(),
    failAfter: duration.optional(),
  })
  .refine((f) => f.warnAfter !== undefined || f.failAfter !== undefined, {
    message: 'needs warnAfter, failAfter or both',
  })
  // Warn is the earlier threshold: warn past fail would never be seen (fail fires first).
  .refine((f) => !warnsAfterFailing(f.warnAfter, f.failAfter), {
    message: 'must not be greater than failAfter (warn comes before fail)',
    path: ['warnAfter'],
  });

function warnsAfterFailing(warnAfter?: string, failAfter?: string): boolean {
  if (warnAfter === undefined || failAfter === undefined) return false;
  return (parseDuration(warnAfter) ?? 0) > (parseDuration(failAfter) ?? Infinity);
}

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
  /** Least time between two automated runs of the asset; default 3m for dbt assets, 0s otherwise. */
  minInterval: duration.optional(),
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

/** dbt vars (`--vars`): names as dbt_project.yml declares them, values any YAML value. */
const dbtVars = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a dbt var name (letters, digits, _)'),
  z.unknown(),
);

const dbtAsset = z.strictObject({
  ...assetBase,
  kind: z.literal('dbt'),
  /** The dbt model name; defaults to the asset key. */
  model: assetKey.optional(),
  /** Vars for this asset's invocations, over engine.dbt.vars. */
  vars: dbtVars.default({}),
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

const assetSchema = z.discriminatedUnion('kind', [dbtAsset, kafkaBatchesAsset, noopAsset]);

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
  topic: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'is not a valid Kafka topic name')
    .default('selected_crypto_data'),
  partitions: z.number().int().min(1).max(1000).default(3),
  replicationFactor: z.number().int().min(1).default(1),
  dlqTopic: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'is not a valid Kafka topic name')
    .optional(),
});

const ingest = z.strictObject({
  groupId: z.string().min(1).default('crypto-s3-sink'),
  batch: z
    .strictObject({
      maxRecords: z.number().int().min(1).default(100),
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(5 * 1024 * 1024),
      maxAge: duration.default('30s'),
    })
    .default({ maxRecords: 100, maxBytes: 5 * 1024 * 1024, maxAge: '30s' }),
  maxRecordBytes: z
    .number()
    .int()
    .min(256)
    .default(64 * 1024),
  maxBufferedBytes: z
    .number()
    .int()
    .min(1024)
    .default(64 * 1024 * 1024),
  sessionTimeout: duration.default('30s'),
});

const storage = z
  .strictObject({
    kind: z.enum(['local', 's3']).default('local'),
    path: z.string().min(1).default('./data/lake'),
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'is not a valid S3 bucket name')
      .optional(),
    prefix: z
      .string()
      .regex(/^[a-z0-9_]+$/, 'must match ^[a-z0-9_]+$')
      .default('crypto_data'),
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
      apiKeyEnv: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/)
        .default('COINGECKO_API_KEY'),
    })
    .default({ baseUrl: 'https://api.coingecko.com/api/v3', apiKeyEnv: 'COINGECKO_API_KEY' }),
});

const dbtEngine = z.strictObject({
  /** warm: one long-lived dbt per worker, manifest parsed once; subprocess: `dbt` per invocation. */
  mode: z.enum(['warm', 'subprocess']).default('warm'),
  /** Vars for every dbt invocation (assets and runs may override). */
  vars: dbtVars.default({}),
  /** The profile target; defaults to `local` on DuckDB and `athena` on Athena. */
  target: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a profile target name')
    .optional(),
});

const engine = z.strictObject({
  kind: z.enum(['duckdb', 'athena']).default('duckdb'),
  dbtProject: z.string().min(1).default('./dbt'),
  dbt: dbtEngine.default(dbtEngine.parse({})),
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

const scheduler = z.strictObject({
  /** Upstream events within this window coalesce into one evaluation (one run). */
  debounce: duration.default('250ms'),
  /** The longest the scheduler goes without re-evaluating freshness. */
  tick: duration.default('15s'),
  /** Automated runs not yet finished, across all assets; further requests wait. */
  maxConcurrentRuns: z.number().int().min(1).default(4),
  /** Back-off after failed automated runs: initial, doubling up to max. */
  backoff: z
    .strictObject({ initial: duration.default('30s'), max: duration.default('30m') })
    .default({ initial: '30s', max: '30m' }),
  /** How long a leader's lease lasts without renewal; a standby takes over after it. */
  leaseTtl: duration.default('15s'),
});

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'is not a valid Kafka topic name');

const lagStatus = z.enum(['OK', 'WARN', 'STALL', 'STOP', 'REWIND']);

const monitoring = z.strictObject({
  /** How often `strata monitor` collects lag and storage stats and evaluates alert rules. */
  interval: duration.default('15s'),
  lag: z
    .strictObject({
      /** Consumer groups to watch; defaults to ingest.groupId on kafka.topic. */
      groups: z.array(z.strictObject({ group: z.string().min(1), topic: topicName })).optional(),
      /** Observations kept per partition for the Burrow-style evaluation. */
      window: z.number().int().min(2).max(1000).default(10),
      /** Lag > 0 and the committed offset unchanged for this long: STOP. */
      stopAfter: duration.default('5m'),
    })
    .default({ window: 10, stopAfter: '5m' }),
  storage: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Day partitions (by UTC date) re-listed on each pass, counting back from today. */
      lookbackDays: z.number().int().min(1).max(366).default(3),
    })
    .default({ enabled: true, lookbackDays: 3 }),
  cloudwatch: z
    .strictObject({
      enabled: z.boolean().default(false),
      namespace: z.string().min(1).max(255).default('Strata'),
      dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).default({}),
      interval: duration.default('60s'),
      /** Datums held while CloudWatch is unreachable; the oldest are dropped beyond this. */
      maxBuffer: z.number().int().min(100).max(1_000_000).default(20_000),
      /** Mirror alert rules as CloudWatch alarms (PutMetricAlarm). */
      alarms: z.boolean().default(false),
    })
    .default({
      enabled: false,
      namespace: 'Strata',
      dimensions: {},
      interval: '60s',
      maxBuffer: 20_000,
      alarms: false,
    }),
});

const ruleBase = {
  description: z.string().optional(),
  severity: severity.default('warn'),
  /** The condition must hold this long before the alert fires. */
  for: duration.default('0s'),
  enabled: z.boolean().default(true),
};

const metricName = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'is not a Prometheus metric name');
const metricLabels = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string()).default({});

const alertRule = z.discriminatedUnion('kind', [
  z
    .strictObject({
      ...ruleBase,
      kind: z.literal('kafka_lag'),
      /** Fires when a group's total lag on a topic exceeds this many messages. */
      maxLag: z.number().int().nonnegative().optional(),
      /** Fires when the group's lag status is one of these. */
      statuses: z.array(lagStatus).min(1).optional(),
    })
    .refine((r) => r.maxLag !== undefined || r.statuses !== undefined, {
      message: 'needs maxLag, statuses or both',
    }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('check_failed'),
    /** Only checks of this severity count. */
    checkSeverity: severity.default('error'),
    assets: z.array(assetKey).optional(),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('staleness'),
    asset: assetKey,
    /** now - data time above this fires; defaults to the asset's failAfter, else warnAfter. */
    maxAge: duration.optional(),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('counter_increase'),
    metric: metricName,
    labels: metricLabels,
    /** Fires when the counter grew by more than this within the window. */
    threshold: z.number().nonnegative(),
    window: duration,
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('rate_below_baseline'),
    metric: metricName,
    labels: metricLabels,
    /** Recent rate, measured over this window... */
    window: duration.default('5m'),
    /** ...compared with the rate over this longer window. */
    baseline: duration.default('1h'),
    /** Fires when recent < ratio x baseline. */
    ratio: z.number().positive().max(1).default(0.5),
    /** Below this baseline rate (per second) the rule stays quiet: nothing to compare with. */
    minBaselineRate: z.number().nonnegative().default(0.01),
  }),
  z.strictObject({
    ...ruleBase,
    kind: z.literal('histogram_above'),
    metric: metricName,
    labels: metricLabels,
    /** An observation above this many seconds... */
    threshold: z.number().positive(),
    /** ...within this window fires the alert. */
    window: duration.default('10m'),
  }),
]);

const alerts = z.strictObject({
  webhook: z
    .strictObject({
      /** The environment variable holding the URL (Slack-style URLs are secrets, kept out of config). */
      urlEnv: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/)
        .default('STRATA_ALERT_WEBHOOK_URL'),
      timeout: duration.default('5s'),
    })
    .default({ urlEnv: 'STRATA_ALERT_WEBHOOK_URL', timeout: '5s' }),
  /** Transitions kept in the alert history. */
  historyLimit: z.number().int().min(10).max(100_000).default(1000),
  rules: z.record(assetKey, alertRule).default({}),
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
  scheduler: scheduler.default(scheduler.parse({})),
  monitoring: monitoring.default(monitoring.parse({})),
  alerts: alerts.default(alerts.parse({})),
});

export type RawPipeline = z.infer<typeof pipelineSchema>;
export type RawAsset = z.infer<typeof assetSchema>;
export type RawAlertRule = z.infer<typeof alertRule>;

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
