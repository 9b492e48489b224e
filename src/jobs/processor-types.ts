/**
 * What a job processor is given and what it answers: shared by the processor (which takes the
 * job's pools and lease) and materializeHoldingLease (which does the work while holding them).
 */
import type { MaterializerRegistry } from '../assets/materializers/index.ts';
import type { LoadedPipeline } from '../config/load.ts';
import type { Logger } from '../shared/logger.ts';
import type { EventLog } from './event-log.ts';
import type { AssetLeases } from './lease.ts';
import type { Pools } from './pools.ts';
import type { MaterializationRecord, RunStatus, RunTrigger } from './run-model.ts';
import type { RunStore } from './run-store.ts';
import type { OrchestratorSettings } from './settings.ts';

export interface ProcessorDeps {
  pipeline: LoadedPipeline;
  runs: RunStore;
  events: EventLog;
  leases: AssetLeases;
  pools: Pools;
  materializers: MaterializerRegistry;
  /** Enqueues assets of a run (idempotent per run and asset). */
  enqueue(runId: string, assets: readonly string[]): Promise<void>;
  /** Counts rows of a SQL check on the warehouse; undefined when the engine has none. */
  countRows: ((sql: string) => Promise<number>) | undefined;
  workerId: string;
  settings: OrchestratorSettings;
  logger: Logger;
  /** Aborted when the worker's shutdown grace time is over: hand running jobs back. */
  shutdown: AbortSignal;
  observer?: WorkerObserver;
}

/** Told about every recorded materialization and every run a materialization ended (metrics). */
export interface WorkerObserver {
  assetFinished?(record: MaterializationRecord): void;
  runFinished?(run: { id: string; trigger: RunTrigger; status: RunStatus }): void;
}

export type JobOutcome =
  | { outcome: 'succeeded' | 'failed' | 'cancelled'; runStatus?: string }
  | { outcome: 'ignored'; state: string };
