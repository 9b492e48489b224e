/**
 * Run orchestration. The folder keeps the name the product's design gives it ("jobs": one BullMQ
 * job per asset of a run), but what lives here is the whole run machinery: runs and their state
 * scripts, the asset queue and worker, the event log of materializations and checks, asset
 * leases and pools.
 */
export { Orchestrator, NoWorkerError, type SubmitRun, type WaitOptions } from './orchestrator.ts';
export { AssetWorker, type AssetWorkerOptions, type WorkerState } from './worker.ts';
export type { WorkerObserver } from './processor-types.ts';
export { EventLog, type AssetSummary } from './event-log.ts';
export { RunStore, runIdFor } from './run-store.ts';
export { AssetLeases, type Lease, type LeaseInterval } from './lease.ts';
export { assetStatuses, type AssetStatus } from './status.ts';
export { orchestratorSettings, type OrchestratorSettings } from './settings.ts';
export { RedisKeys } from './keys.ts';
export type {
  MaterializationRecord,
  RunDbtOptions,
  RunEvent,
  RunRecord,
  RunStatus,
  RunTrigger,
  AssetRunState,
} from './run-model.ts';
