import { freshnessState } from '../assets/checks/freshness.ts';
import type { CheckResult, FreshnessState } from '../assets/checks/types.ts';
import type { LoadedPipeline } from '../config/load.ts';
import type { EventLog } from './event-log.ts';

/** One asset as `strata status` and the API show it. */
export interface AssetStatus {
  key: string;
  kind: string;
  lastRunId: string | null;
  lastStatus: 'succeeded' | 'failed' | null;
  lastMaterializedAt: number | null;
  lastSuccessAt: number | null;
  dataTime: number | null;
  freshness: FreshnessState;
  /** Checks of the latest materialization. */
  checks: CheckResult[];
  blocked: boolean;
  blockedReason: string | null;
  error: string | null;
}

/** Every asset of the pipeline in graph order (or just `keys`), from the event log. */
export async function assetStatuses(
  pipeline: LoadedPipeline,
  events: EventLog,
  now = Date.now(),
  keys: readonly string[] = pipeline.graph.order,
): Promise<AssetStatus[]> {
  const [summaries, latest] = await Promise.all([
    events.summaries(keys),
    Promise.all(keys.map(async (k) => (await events.materializations(k, 1))[0])),
  ]);
  return keys.map((key, i) => {
    const spec = pipeline.assets.get(key);
    const summary = summaries.get(key);
    const last = latest[i];
    return {
      key,
      kind: spec?.kind ?? 'unknown',
      lastRunId: summary?.lastRunId ?? null,
      lastStatus: summary?.lastStatus ?? null,
      lastMaterializedAt: summary?.lastMaterializedAt ?? null,
      lastSuccessAt: summary?.lastSuccessAt ?? null,
      dataTime: summary?.dataTime ?? null,
      freshness: freshnessState(summary?.dataTime, spec?.freshness, now),
      checks: last?.checks ?? [],
      blocked: summary?.blocked ?? false,
      blockedReason: summary?.blockedReason ?? null,
      error: last?.error ?? null,
    };
  });
}
