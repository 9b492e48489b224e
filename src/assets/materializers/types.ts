import type { CheckResult } from '../checks/types.ts';
import type { AssetKind, AssetSpec } from '../../config/types.ts';
import type { LoadedPipeline } from '../../config/load.ts';

/** What a materializer gets: its asset, the pipeline, its inputs' data times, and a way to report. */
export interface MaterializeContext<A extends AssetSpec = AssetSpec> {
  asset: A;
  pipeline: LoadedPipeline;
  runId: string;
  /** Data time of each dependency's latest successful materialization (null: unknown). */
  inputDataTimes: ReadonlyMap<string, number | null>;
  /** Aborted on timeout, lost lease, or worker shutdown: stop promptly. */
  signal: AbortSignal;
  log(message: string): void;
  progress(detail: Record<string, unknown>): void;
  /** Options the run was started with (read when a materializer asks: noops never do). */
  runOptions(): Promise<RunOptions>;
}

/** What `strata materialize` may pass to a run's materializations. */
export interface RunOptions {
  dbt?: {
    /** Over engine.dbt.vars and the asset's vars. */
    vars?: Readonly<Record<string, unknown>>;
    fullRefresh?: boolean;
  };
}

export interface MaterializeResult {
  /** Newest data the asset now reflects (ms since epoch), null when unknown. */
  dataTime: number | null;
  /** Shown in status and the UI: rows, timings, object counts. */
  metadata: Record<string, unknown>;
  /** Rows the YAML row_count checks compare against, when the kind can tell. */
  rowCount?: number;
  /** Checks the materialization evaluated itself (dbt tests of the model). */
  checks: CheckResult[];
}

/** One per asset kind; adding a kind is one file implementing this plus a registry line. */
export interface Materializer<A extends AssetSpec = AssetSpec> {
  readonly kind: AssetKind;
  /**
   * Whether the asset writes through the pipeline's DuckDB warehouse, which allows one writer
   * process: such materializations (and SQL checks) hold the engine lock across all workers.
   */
  usesWarehouse(asset: A, pipeline: LoadedPipeline): boolean;
  materialize(context: MaterializeContext<A>): Promise<MaterializeResult>;
}

/**
 * Data time of a derived asset: the oldest data time among its inputs when it was materialized.
 * Unknown when any input's is unknown, since the asset cannot be newer than its stalest input.
 */
export function derivedDataTime(inputs: ReadonlyMap<string, number | null>): number | null {
  let oldest: number | null = null;
  for (const time of inputs.values()) {
    if (time === null) return null;
    oldest = oldest === null ? time : Math.min(oldest, time);
  }
  return oldest;
}
