import type { AlertEvent } from './types.ts';

/** One line a human reads in Slack or a log: state, rule, severity, what was measured. */
export function alertText(event: AlertEvent): string {
  const { alert } = event;
  const mark =
    event.type === 'firing'
      ? alert.severity === 'error'
        ? ':rotating_light:'
        : ':warning:'
      : ':white_check_mark:';
  const verb = event.type === 'firing' ? 'FIRING' : 'RESOLVED';
  const labels = Object.entries(alert.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${mark} [${verb}] ${alert.rule} (${alert.severity})${labels ? ` {${labels}}` : ''}: ${alert.summary}`;
}

/**
 * The webhook body: Slack reads `text`; everything else is there for machines (PagerDuty-style
 * routers, custom receivers) without parsing the text.
 */
export function webhookPayload(event: AlertEvent): Record<string, unknown> {
  const { alert } = event;
  return {
    text: alertText(event),
    status: event.type,
    rule: alert.rule,
    kind: alert.kind,
    severity: alert.severity,
    labels: alert.labels,
    value: alert.value,
    summary: alert.summary,
    description: event.description,
    id: alert.id,
    at: new Date(event.at).toISOString(),
    firedAt: alert.firedAt === undefined ? undefined : new Date(alert.firedAt).toISOString(),
    resolvedAt:
      alert.resolvedAt === undefined ? undefined : new Date(alert.resolvedAt).toISOString(),
  };
}
