import type { LoadedPipeline } from '../config/load.ts';
import type { EventLog } from '../jobs/event-log.ts';
import type { AssetRunState, RunRecord } from '../jobs/run-model.ts';
import { TERMINAL_RUN_STATUSES } from '../jobs/run-model.ts';
import type { RunStore } from '../jobs/run-store.ts';
import { assetStatuses, type AssetStatus } from '../jobs/status.ts';

/**
 * What the page colours an asset by. `skipped` and `cancelled` win over an older success: an
 * asset the latest run did not materialize is not reported as succeeded (see DESIGN.md).
 */
export type AssetOutcome =
  'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'running' | 'queued' | 'never';

/** One asset for the API and the page: its status, its place in the graph, its latest run. */
export interface AssetView extends AssetStatus {
  description: string | null;
  group: string | null;
  tags: string[];
  deps: string[];
  outcome: AssetOutcome;
  /** The newest of the recent runs that included the asset, and the asset's state in it. */
  latestRun: { id: string; state: AssetRunState } | null;
}

/** How many recent runs are read to find each asset's latest run state. */
export const RECENT_RUNS = 50;

/** Reads statuses and recent runs; the merge itself is `toAssetViews`. */
export async function readAssetViews(
  pipeline: LoadedPipeline,
  events: EventLog,
  runs: RunStore,
  now = Date.now(),
): Promise<{ assets: AssetView[]; recentRuns: RunRecord[] }> {
  const [statuses, recentRuns] = await Promise.all([
    assetStatuses(pipeline, events, now),
    runs.list(RECENT_RUNS),
  ]);
  return { assets: toAssetViews(pipeline, statuses, recentRuns), recentRuns };
}

/** One asset's view, reading only its own status (the asset page). */
export async function readAssetView(
  pipeline: LoadedPipeline,
  events: EventLog,
  runs: RunStore,
  key: string,
  now = Date.now(),
): Promise<AssetView | undefined> {
  const [statuses, recentRuns] = await Promise.all([
    assetStatuses(pipeline, events, now, [key]),
    runs.list(RECENT_RUNS),
  ]);
  return toAssetViews(pipeline, statuses, recentRuns)[0];
}

/** `recentRuns` newest first, as RunStore.list returns them. */
export function toAssetViews(
  pipeline: Pick<LoadedPipeline, 'assets'>,
  statuses: readonly AssetStatus[],
  recentRuns: readonly RunRecord[],
): AssetView[] {
  const latest = latestRunPerAsset(recentRuns);
  return statuses.map((status) => {
    const spec = pipeline.assets.get(status.key);
    const run = latest.get(status.key);
    return {
      ...status,
      description: spec?.description ?? null,
      group: spec?.group ?? null,
      tags: spec?.tags ?? [],
      deps: spec?.deps ?? [],
      outcome: assetOutcome(status, run),
      latestRun: run ? { id: run.id, state: run.state } : null,
    };
  });
}

export interface LatestRun {
  id: string;
  state: AssetRunState;
  active: boolean;
  createdAt: number;
}

function latestRunPerAsset(runs: readonly RunRecord[]): Map<string, LatestRun> {
  const latest = new Map<string, LatestRun>();
  for (const run of runs) {
    for (const asset of run.assetStates) {
      if (latest.has(asset.key)) continue;
      latest.set(asset.key, {
        id: run.id,
        state: asset.state,
        active: !TERMINAL_RUN_STATUSES.has(run.status),
        createdAt: run.createdAt,
      });
    }
  }
  return latest;
}

export function assetOutcome(status: AssetStatus, run: LatestRun | undefined): AssetOutcome {
  if (run?.state === 'running') return 'running';
  if (run?.active && (run.state === 'queued' || run.state === 'pending')) return 'queued';
  // A run that skipped the asset only matters when nothing materialized it since.
  const newerThanLast = run !== undefined && run.createdAt >= (status.lastMaterializedAt ?? 0);
  if (newerThanLast && (run.state === 'skipped' || run.state === 'cancelled')) return run.state;
  return status.lastStatus ?? 'never';
}
