import { z } from 'zod';

/**
 * The shapes of runs and materializations as stored in Redis. Everything read back is parsed
 * with these schemas: the event log outlives process versions, and a bad record should fail
 * loudly where it is read rather than deep inside a renderer.
 */

const RUN_TRIGGERS = ['manual', 'schedule', 'freshness', 'upstream'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set([
  'succeeded',
  'failed',
  'cancelled',
]);

export type AssetRunState =
  'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export const checkResultSchema = z.object({
  name: z.string(),
  source: z.enum(['dbt', 'yaml']),
  type: z.string(),
  severity: z.enum(['warn', 'error']),
  status: z.enum(['passed', 'warned', 'failed', 'skipped']),
  failingRows: z.number().optional(),
  message: z.string().optional(),
});

/** dbt options of one run (`strata materialize --vars --full-refresh`), over config vars. */
export const runDbtOptionsSchema = z.object({
  vars: z.record(z.string(), z.unknown()).optional(),
  fullRefresh: z.boolean().optional(),
});
export type RunDbtOptions = z.infer<typeof runDbtOptionsSchema>;

export const runMetaSchema = z.object({
  selection: z.string(),
  trigger: z.enum(RUN_TRIGGERS),
  reason: z.string().optional(),
  assets: z.array(z.string()),
  dbt: runDbtOptionsSchema.optional(),
});
export type RunMeta = z.infer<typeof runMetaSchema>;

/** Per asset of a run: who ran it, when, and why it ended as it did. */
export const runAssetInfoSchema = z.object({
  worker: z.string().optional(),
  attempt: z.number().optional(),
  fence: z.number().optional(),
  enqueuedAt: z.number().optional(),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
  checks: z.array(checkResultSchema).optional(),
});
export type RunAssetInfo = z.infer<typeof runAssetInfoSchema>;

export interface RunAsset {
  key: string;
  state: AssetRunState;
  info: RunAssetInfo;
}

export interface RunRecord extends RunMeta {
  id: string;
  status: RunStatus;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  assetStates: RunAsset[];
}

export const materializationSchema = z.object({
  runId: z.string(),
  asset: z.string(),
  status: z.enum(['succeeded', 'failed']),
  attempt: z.number(),
  worker: z.string(),
  fence: z.number(),
  enqueuedAt: z.number(),
  startedAt: z.number(),
  endedAt: z.number(),
  /** Newest data the asset reflects (ms since epoch), null when unknown. */
  dataTime: z.number().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  checks: z.array(checkResultSchema),
  error: z.string().optional(),
});
export type MaterializationRecord = z.infer<typeof materializationSchema>;

export interface RunEvent {
  /** Stream entry id, to resume reading after it. */
  id: string;
  type: string;
  asset?: string;
  detail: Record<string, unknown>;
  at: number;
}

/** Run ids are generated here; anything else reaching a Redis key from the CLI is rejected. */
export const RUN_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
