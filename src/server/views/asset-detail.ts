import { z } from 'zod';
import type { CheckResult } from '../../assets/checks/types.ts';
import { dbtSettings, readModelSql, type ModelSql } from '../../engines/dbt/index.ts';
import type { MaterializationRecord, RunTrigger } from '../../jobs/run-model.ts';
import type { RunSource } from '../api-routes.ts';
import { readAssetView, type AssetView } from '../asset-views.ts';

/** One materialization as the asset page and /api/assets/:key show it. */
export interface MaterializationView {
  runId: string;
  /** Null when the run was trimmed by retention. */
  trigger: RunTrigger | null;
  status: 'succeeded' | 'failed';
  worker: string;
  attempt: number;
  enqueuedAt: number;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  dataTime: number | null;
  /** Rows (dbt models) or records (the Kafka source) when the materializer reported them. */
  rows: number | null;
  checks: CheckResult[];
  error: string | null;
}

export interface AssetDetail {
  asset: AssetView;
  dependents: string[];
  policy: { warnAfterMs: number | null; failAfterMs: number | null };
  /** When the current data crosses the policy's warn and fail lines (null: no line, or no data). */
  warnAt: number | null;
  failAt: number | null;
  /** The dbt model the asset builds, when it is dbt. */
  model: string | null;
  /** The model's compiled SQL (or its source file before any compile), when the asset is dbt. */
  sql: ModelSql | null;
  materializations: MaterializationView[];
  generatedAt: number;
}

/** How many materializations the page reads by default, and at most. */
export const HISTORY_DEFAULT = 50;
export const HISTORY_MAX = 1_000;

export const ASSET_KEY = /^[a-z][a-z0-9_]*$/;

export const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(HISTORY_MAX).default(HISTORY_DEFAULT),
});

/** Undefined when the pipeline has no such asset. */
export async function readAssetDetail(
  source: RunSource,
  key: string,
  limit: number,
  now = Date.now(),
): Promise<AssetDetail | undefined> {
  const spec = source.pipeline.assets.get(key);
  if (!spec) return undefined;
  const [asset, records, sql] = await Promise.all([
    readAssetView(source.pipeline, source.events, source.runs, key, now),
    source.events.materializations(key, limit),
    spec.kind === 'dbt' ? modelSql(source, spec.model) : null,
  ]);
  if (!asset) return undefined;
  const triggers = await readTriggers(source, records);
  const warnAfterMs = spec.freshness?.warnAfterMs ?? null;
  const failAfterMs = spec.freshness?.failAfterMs ?? null;
  return {
    asset,
    dependents: [...source.pipeline.graph.dependentsOf(key)],
    policy: { warnAfterMs, failAfterMs },
    warnAt: crossing(asset.dataTime, warnAfterMs),
    failAt: crossing(asset.dataTime, failAfterMs),
    model: spec.kind === 'dbt' ? spec.model : null,
    sql,
    materializations: records.map((r) => toView(r, triggers.get(r.runId) ?? null)),
    generatedAt: now,
  };
}

/**
 * Only the model name of an asset of the loaded pipeline reaches the file system, never request
 * data; the directories come from the config and the environment.
 */
async function modelSql(source: RunSource, model: string): Promise<ModelSql | null> {
  const { engine } = source.pipeline;
  try {
    return (
      (await readModelSql(model, {
        runsDir: source.dbtRunsDir ?? dbtSettings().runsDir,
        target: engine.dbt.target,
        projectDir: engine.dbtProject,
      })) ?? null
    );
  } catch {
    // Unreadable (permissions, a directory in the way): the page shows no SQL rather than fail.
    return null;
  }
}

function crossing(dataTime: number | null, afterMs: number | null): number | null {
  return dataTime === null || afterMs === null ? null : dataTime + afterMs;
}

/** Each run's trigger, read once per run however many records share it. */
async function readTriggers(
  source: RunSource,
  records: readonly MaterializationRecord[],
): Promise<Map<string, RunTrigger>> {
  const ids = [...new Set(records.map((r) => r.runId))];
  const metas = await Promise.all(ids.map((id) => source.runs.meta(id)));
  const triggers = new Map<string, RunTrigger>();
  ids.forEach((id, i) => {
    const meta = metas[i];
    if (meta) triggers.set(id, meta.trigger);
  });
  return triggers;
}

export function toView(
  record: MaterializationRecord,
  trigger: RunTrigger | null,
): MaterializationView {
  return {
    runId: record.runId,
    trigger,
    status: record.status,
    worker: record.worker,
    attempt: record.attempt,
    enqueuedAt: record.enqueuedAt,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationMs: record.endedAt - record.startedAt,
    dataTime: record.dataTime,
    rows: rowsOf(record.metadata),
    checks: record.checks,
    error: record.error ?? null,
  };
}

function rowsOf(metadata: Record<string, unknown>): number | null {
  for (const field of ['rows', 'records', 'rowCount']) {
    const value = metadata[field];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}
