import type { LagStatus } from './evaluate.ts';

/** UNKNOWN: the offsets could not be read (see `error`). */
export type GroupLagStatus = LagStatus | 'UNKNOWN';

/** The lag of one consumer group on one topic, as the API, `strata status` and rules see it. */
export interface GroupLagReport {
  group: string;
  topic: string;
  /** When the offsets were read (ms since epoch). */
  at: number;
  status: GroupLagStatus;
  totalLag: number;
  members: number;
  groupState: string;
  partitions: PartitionLagReport[];
  /** Why the offsets could not be read (status UNKNOWN). */
  error?: string;
}

export interface PartitionLagReport {
  partition: number;
  committed: number;
  logEnd: number;
  lag: number;
  status: LagStatus;
  reason: string;
}
