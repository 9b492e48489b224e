import type { GroupLagReport } from '../lag/report.ts';
import type { MetricHistory } from '../metrics/history.ts';

/** The latest result of one check of one asset, from the event log. */
export interface CheckOutcome {
  asset: string;
  check: string;
  severity: 'warn' | 'error';
  status: 'passed' | 'warned' | 'failed' | 'skipped';
  message?: string;
  /** When the materialization that ran it ended. */
  at: number;
}

/**
 * Everything the rules look at in one evaluation. A source that could not be read this pass is
 * undefined: its rules then keep their current state instead of resolving on missing data.
 */
export interface Signals {
  now: number;
  lag?: readonly GroupLagReport[];
  checks?: readonly CheckOutcome[];
  /** Data time per asset (ms since epoch), null when never materialized with a known time. */
  dataTimes?: ReadonlyMap<string, number | null>;
  metrics?: MetricHistory;
}
