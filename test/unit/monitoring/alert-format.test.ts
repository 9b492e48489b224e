import { describe, expect, it } from 'vitest';
import { alertText, webhookPayload } from '../../../src/monitoring/alerts/format.ts';
import type { AlertEvent } from '../../../src/monitoring/alerts/types.ts';

const event: AlertEvent = {
  type: 'firing',
  at: Date.parse('2026-11-25T10:00:00Z'),
  description: 'Kafka consumer lag above 1000 messages.',
  alert: {
    id: 'consumer_lag_high{group=g,topic=t}',
    rule: 'consumer_lag_high',
    kind: 'kafka_lag',
    severity: 'error',
    labels: { group: 'g', topic: 't' },
    phase: 'firing',
    firedAt: Date.parse('2026-11-25T10:00:00Z'),
    value: 1500,
    summary: 'consumer group g on t: lag 1500 (limit 1000), status STOP',
    updatedAt: 0,
  },
};

describe('alert messages', () => {
  it('gives Slack a readable text line', () => {
    expect(alertText(event)).toBe(
      ':rotating_light: [FIRING] consumer_lag_high (error) {group=g, topic=t}: consumer group g on t: lag 1500 (limit 1000), status STOP',
    );
    expect(alertText({ ...event, type: 'resolved' })).toMatch(
      /^:white_check_mark: \[RESOLVED\] consumer_lag_high/,
    );
  });

  it('carries structured fields beside the text for machines', () => {
    expect(webhookPayload(event)).toMatchObject({
      status: 'firing',
      rule: 'consumer_lag_high',
      severity: 'error',
      labels: { group: 'g', topic: 't' },
      value: 1500,
      at: '2026-11-25T10:00:00.000Z',
      firedAt: '2026-11-25T10:00:00.000Z',
      description: 'Kafka consumer lag above 1000 messages.',
    });
  });
});
