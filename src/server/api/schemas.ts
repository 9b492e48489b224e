import { z } from 'zod';
import {
  checkResultSchema,
  materializationSchema,
  runAssetInfoSchema,
  runMetaSchema,
} from '../../jobs/run-model.ts';

/**
 * The JSON the API answers with, as zod schemas: the OpenAPI document at /api/openapi.json is
 * generated from these (and from the query schemas the routes parse with), so it cannot drift
 * from what the code reads and writes.
 */

export const errorSchema = z.object({ error: z.string() });

const RUN_STATUS = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
const ASSET_RUN_STATE = z.enum([
  'pending',
  'queued',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
]);
const millis = z.number().describe('milliseconds since the epoch');

/** One asset's state as `strata status` reads it (src/jobs/status.ts). */
const assetStatusSchema = z.object({
  key: z.string(),
  kind: z.string(),
  lastRunId: z.string().nullable(),
  lastStatus: z.enum(['succeeded', 'failed']).nullable(),
  lastMaterializedAt: millis.nullable(),
  lastSuccessAt: millis.nullable(),
  dataTime: millis.nullable(),
  freshness: z.enum(['fresh', 'warn', 'fail', 'unknown']),
  checks: z.array(checkResultSchema),
  blocked: z.boolean(),
  blockedReason: z.string().nullable(),
  error: z.string().nullable(),
});

export const assetViewSchema = assetStatusSchema.extend({
  description: z.string().nullable(),
  group: z.string().nullable(),
  tags: z.array(z.string()),
  deps: z.array(z.string()),
  outcome: z.enum(['succeeded', 'failed', 'skipped', 'cancelled', 'running', 'queued', 'never']),
  latestRun: z.object({ id: z.string(), state: ASSET_RUN_STATE }).nullable(),
});

export const runRecordSchema = runMetaSchema.extend({
  id: z.string(),
  status: RUN_STATUS,
  createdAt: millis,
  startedAt: millis.optional(),
  endedAt: millis.optional(),
  assetStates: z.array(
    z.object({ key: z.string(), state: ASSET_RUN_STATE, info: runAssetInfoSchema }),
  ),
});

export const runEventSchema = z.object({
  id: z.string().describe('stream entry id'),
  type: z.string(),
  asset: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
  at: millis,
});

export const materializationViewSchema = z.object({
  runId: z.string(),
  trigger: z.enum(['manual', 'schedule', 'freshness', 'upstream']).nullable(),
  status: materializationSchema.shape.status,
  worker: z.string(),
  attempt: z.number(),
  enqueuedAt: millis,
  startedAt: millis,
  endedAt: millis,
  durationMs: z.number(),
  dataTime: millis.nullable(),
  rows: z.number().nullable(),
  checks: z.array(checkResultSchema),
  error: z.string().nullable(),
});

export const assetDetailSchema = z.object({
  asset: assetViewSchema,
  dependents: z.array(z.string()),
  policy: z.object({ warnAfterMs: z.number().nullable(), failAfterMs: z.number().nullable() }),
  warnAt: millis.nullable(),
  failAt: millis.nullable(),
  model: z.string().nullable(),
  sql: z
    .object({
      kind: z
        .enum(['compiled', 'source'])
        .describe('compiled: what dbt last compiled; source: the model file, not compiled yet'),
      sql: z.string(),
      at: millis.describe('when it was compiled, or the file last changed'),
      file: z.string(),
      truncated: z.boolean(),
    })
    .nullable()
    .describe('the dbt model SQL, for dbt assets'),
  materializations: z.array(materializationViewSchema),
  generatedAt: millis,
});

export const liveEventSchema = z.object({
  runId: z.string(),
  type: z.string(),
  asset: z.string().optional(),
  at: millis,
});

export const liveStatsSchema = z.object({
  listeners: z.number(),
  openStreams: z.number(),
  reading: z.boolean(),
  trackedRuns: z.number(),
});

export const startedRunSchema = z.object({ runId: z.string(), assets: z.array(z.string()) });

export const scheduleViewSchema = z.object({
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  description: z.string().nullable(),
  target: z.string(),
  enabled: z.boolean(),
  nextFireAt: millis.nullable(),
  lastRuns: z.array(z.object({ id: z.string(), status: RUN_STATUS, createdAt: millis })),
});

const nullableSeries = z.array(z.number().nullable());

const alertStateSchema = z.looseObject({
  id: z.string(),
  rule: z.string(),
  severity: z.enum(['warn', 'error']),
  labels: z.record(z.string(), z.string()),
  phase: z.enum(['ok', 'pending', 'firing', 'resolved']),
  activeSince: millis.optional(),
  firedAt: millis.optional(),
  resolvedAt: millis.optional(),
  value: z.number().nullable(),
  summary: z.string(),
  updatedAt: millis,
});

export const pipelineHealthSchema = z.object({
  generatedAt: millis,
  monitorActive: z.boolean().describe('a monitor holds the lease (is measuring)'),
  windowMs: z.number(),
  t: z.array(z.number()).describe('time of each monitor sample, seconds since the epoch'),
  lag: z
    .array(
      z.object({
        group: z.string(),
        topic: z.string(),
        partition: z.number(),
        values: nullableSeries,
      }),
    )
    .describe('consumer lag per partition at each sample'),
  throughput: z
    .array(z.object({ label: z.string(), values: nullableSeries }))
    .describe('records per second since the previous sample'),
  firing: nullableSeries.describe('alerts firing after each pass'),
  storage: z
    .object({
      at: millis,
      days: z.array(z.object({ day: z.string(), objects: z.number(), bytes: z.number() })),
    })
    .nullable(),
  alerts: z.object({
    firing: z.array(alertStateSchema),
    pending: z.array(alertStateSchema),
    recent: z.array(
      z.object({
        type: z.enum(['firing', 'resolved']),
        at: millis,
        alert: alertStateSchema,
        description: z.string().optional(),
      }),
    ),
  }),
});

/** `strata status --json` and GET /api/status: see src/status/report.ts. */
export const schedulerStatusSchema = z.object({
  leader: z.string().optional().describe('the process holding the leader lease'),
  applied: z
    .object({ hash: z.string(), file: z.string(), appliedAt: millis })
    .optional()
    .describe('the config the leader applied last'),
  configError: z
    .object({ message: z.string(), at: millis })
    .optional()
    .describe('the last rejected config edit (file:line:col), until a valid one is applied'),
  differsFromLeader: z.boolean().describe("this server's config file differs from the leader's"),
  localHash: z.string(),
  decisions: z.array(z.looseObject({ asset: z.string(), action: z.string(), reason: z.string() })),
  schedules: z.array(z.looseObject({ name: z.string() })),
});

export const statusReportSchema = z.object({
  generatedAt: millis,
  assets: z.array(assetStatusSchema),
  scheduler: schedulerStatusSchema,
  monitoring: z.object({
    lag: z.array(z.looseObject({ group: z.string(), topic: z.string() })).nullable(),
    firing: z.array(alertStateSchema),
    pending: z.array(alertStateSchema),
    recent: z.array(z.looseObject({})),
    monitorActive: z.boolean(),
  }),
});
