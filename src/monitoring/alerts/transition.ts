import type { AlertEvent, AlertRuleSpec, AlertState, Observation } from './types.ts';

/**
 * The alert state machine, pure. A condition must hold for the rule's `for` duration before
 * the alert fires; a firing alert is notified once, not on every evaluation, and once more when
 * it resolves. A pending alert whose condition clears goes back to ok silently.
 */
export function transition(
  rule: AlertRuleSpec,
  id: string,
  previous: AlertState | undefined,
  observation: Observation,
  now: number,
): { state: AlertState; event?: AlertEvent } {
  const base: AlertState = {
    id,
    rule: rule.name,
    kind: rule.kind,
    severity: rule.severity,
    labels: observation.labels,
    phase: previous?.phase ?? 'ok',
    activeSince: previous?.activeSince,
    firedAt: previous?.firedAt,
    resolvedAt: previous?.resolvedAt,
    value: observation.value,
    summary: observation.summary,
    updatedAt: now,
  };

  if (observation.active) {
    if (base.phase === 'firing') return { state: base };
    const activeSince = base.phase === 'pending' ? (base.activeSince ?? now) : now;
    if (now - activeSince >= rule.forMs) {
      const state: AlertState = {
        ...base,
        phase: 'firing',
        activeSince,
        firedAt: now,
        resolvedAt: undefined,
      };
      return {
        state,
        event: { type: 'firing', at: now, alert: state, description: rule.description },
      };
    }
    return { state: { ...base, phase: 'pending', activeSince } };
  }

  if (base.phase === 'firing') {
    const state: AlertState = {
      ...base,
      phase: 'resolved',
      activeSince: undefined,
      resolvedAt: now,
    };
    return {
      state,
      event: { type: 'resolved', at: now, alert: state, description: rule.description },
    };
  }
  if (base.phase === 'pending') return { state: { ...base, phase: 'ok', activeSince: undefined } };
  return { state: base };
}

/** Stable id of an alert instance: the rule and its labels in key order. */
export function alertId(rule: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return parts.length === 0 ? rule : `${rule}{${parts.join(',')}}`;
}
