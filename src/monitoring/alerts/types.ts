import type { AlertRuleSpec, Severity } from '../../config/types.ts';

export type { AlertRuleSpec, Severity };

/** ok -> pending (condition holds, `for` not yet elapsed) -> firing -> resolved. */
export type AlertPhase = 'ok' | 'pending' | 'firing' | 'resolved';

/** What a rule saw for one instance (e.g. one consumer group, one asset) in one evaluation. */
export interface Observation {
  /** Identifies the instance within its rule, e.g. { group, topic } or { asset, check }. */
  labels: Record<string, string>;
  active: boolean;
  /** The measured figure, for humans and sinks (lag, age in seconds, error count...). */
  value: number | null;
  summary: string;
}

/** The stored state of one alert instance. */
export interface AlertState {
  id: string;
  rule: string;
  kind: AlertRuleSpec['kind'];
  severity: Severity;
  labels: Record<string, string>;
  phase: AlertPhase;
  /** When the condition started holding in the current episode. */
  activeSince?: number;
  firedAt?: number;
  resolvedAt?: number;
  value: number | null;
  summary: string;
  updatedAt: number;
}

/** A change worth telling someone about. Pending and back-to-ok are not notified. */
export interface AlertEvent {
  type: 'firing' | 'resolved';
  at: number;
  alert: AlertState;
  description?: string;
}
