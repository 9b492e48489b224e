import { describe, expect, it } from 'vitest';
import { alertId, transition } from '../../../src/monitoring/alerts/transition.ts';
import type {
  AlertRuleSpec,
  AlertState,
  Observation,
} from '../../../src/monitoring/alerts/types.ts';

const rule = (forMs: number): AlertRuleSpec => ({
  name: 'lag',
  kind: 'kafka_lag',
  maxLag: 10,
  severity: 'error',
  forMs,
  enabled: true,
});
const obs = (active: boolean, value = 1): Observation => ({
  labels: { group: 'g' },
  active,
  value,
  summary: `value ${value}`,
});

/** Runs a sequence of (time, active) through the state machine; returns phases and events. */
function run(forMs: number, steps: Array<[at: number, active: boolean]>) {
  let state: AlertState | undefined;
  const phases: string[] = [];
  const events: string[] = [];
  for (const [at, active] of steps) {
    const result = transition(rule(forMs), 'lag{group=g}', state, obs(active), at);
    state = result.state;
    phases.push(state.phase);
    if (result.event) events.push(`${result.event.type}@${at}`);
  }
  return { phases, events, state: state! };
}

describe('alert state machine', () => {
  it('fires at once when `for` is zero, once, and resolves once', () => {
    const { phases, events } = run(0, [
      [0, false],
      [1, true],
      [2, true],
      [3, true],
      [4, false],
      [5, false],
    ]);
    expect(phases).toEqual(['ok', 'firing', 'firing', 'firing', 'resolved', 'resolved']);
    expect(events).toEqual(['firing@1', 'resolved@4']);
  });

  it('waits for the condition to hold `for` before firing', () => {
    const { phases, events } = run(100, [
      [0, true],
      [50, true],
      [99, true],
      [100, true],
      [150, true],
    ]);
    expect(phases).toEqual(['pending', 'pending', 'pending', 'firing', 'firing']);
    expect(events).toEqual(['firing@100']);
  });

  it('goes back to ok silently when the condition clears while pending, and restarts the clock', () => {
    const { phases, events } = run(100, [
      [0, true],
      [60, false],
      [70, true],
      [160, true],
      [170, true],
    ]);
    expect(phases).toEqual(['pending', 'ok', 'pending', 'pending', 'firing']);
    expect(events).toEqual(['firing@170']);
  });

  it('can fire again after resolving, as a new episode', () => {
    const { events, state } = run(0, [
      [1, true],
      [2, false],
      [3, true],
    ]);
    expect(events).toEqual(['firing@1', 'resolved@2', 'firing@3']);
    expect(state).toMatchObject({ phase: 'firing', firedAt: 3, resolvedAt: undefined });
  });

  it('keeps the latest value and summary while firing', () => {
    let state = transition(rule(0), 'x', undefined, obs(true, 5), 1).state;
    state = transition(rule(0), 'x', state, obs(true, 9), 2).state;
    expect(state).toMatchObject({
      phase: 'firing',
      value: 9,
      summary: 'value 9',
      firedAt: 1,
      updatedAt: 2,
    });
  });

  it('names an alert instance by rule and sorted labels', () => {
    expect(alertId('r', { topic: 't', group: 'g' })).toBe('r{group=g,topic=t}');
    expect(alertId('r', {})).toBe('r');
  });
});
