import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { MonitorMetrics } from '../metrics/monitor-self.ts';
import { observe } from './conditions.ts';
import type { Signals } from './signals.ts';
import type { AlertSink } from './sinks.ts';
import type { AlertStore } from './store.ts';
import { alertId, transition } from './transition.ts';
import type { AlertEvent, AlertRuleSpec, AlertState, Observation } from './types.ts';

/** Resolved alerts stay visible this long, then leave the state hash (history keeps them). */
const KEEP_RESOLVED_MS = 24 * 3_600_000;

export interface AlertEngineOptions {
  rules: readonly AlertRuleSpec[];
  store: AlertStore;
  sinks: readonly AlertSink[];
  logger: Logger;
  metrics?: MonitorMetrics;
}

export interface EvaluationResult {
  /** False when the lease was lost before the results could be recorded: nothing was notified. */
  committed: boolean;
  events: AlertEvent[];
  states: AlertState[];
}

/**
 * Evaluates every rule against the signals, moves each alert instance through its state machine,
 * records the result under the lease, then notifies the transitions. Recording first means a
 * crash between the two loses a notification rather than repeating it on the next pass.
 */
export class AlertEngine {
  constructor(private readonly options: AlertEngineOptions) {}

  async evaluate(signals: Signals, leaseToken: string): Promise<EvaluationResult> {
    const previous = new Map((await this.options.store.states()).map((s) => [s.id, s]));
    const next = new Map<string, AlertState>();
    const events: AlertEvent[] = [];

    for (const rule of this.options.rules) {
      if (!rule.enabled) continue;
      const own = [...previous.values()].filter((s) => s.rule === rule.name);
      const observations = observe(rule, signals);
      if (observations === undefined) {
        for (const s of own) next.set(s.id, s);
        continue;
      }
      const byId = new Map<string, Observation>(
        observations.map((o) => [alertId(rule.name, o.labels), o]),
      );
      // An instance that is no longer observed at all (a group no longer watched) has cleared.
      for (const s of own) {
        if (!byId.has(s.id))
          byId.set(s.id, {
            labels: s.labels,
            active: false,
            value: s.value,
            summary: `${s.summary} (no longer observed)`,
          });
      }
      for (const [id, observation] of byId) {
        const { state, event } = transition(rule, id, previous.get(id), observation, signals.now);
        next.set(id, state);
        if (event) events.push(event);
      }
    }

    const keep = [...next.values()].filter(
      (s) =>
        s.phase !== 'ok' &&
        !(s.phase === 'resolved' && signals.now - (s.resolvedAt ?? 0) > KEEP_RESOLVED_MS),
    );
    const keepIds = new Set(keep.map((s) => s.id));
    const remove = [...previous.keys()].filter((id) => !keepIds.has(id));
    const committed = await this.options.store.commit(leaseToken, { set: keep, remove, events });
    if (!committed) return { committed, events: [], states: [...previous.values()] };

    this.updateGauge(keep);
    await this.notify(events);
    return { committed, events, states: keep };
  }

  private async notify(events: readonly AlertEvent[]): Promise<void> {
    await Promise.all(
      events.flatMap((event) =>
        this.options.sinks.map(async (sink) => {
          try {
            await sink.send(event);
            this.options.metrics?.notifications.inc({ sink: sink.name, outcome: 'sent' });
          } catch (error) {
            this.options.metrics?.notifications.inc({ sink: sink.name, outcome: 'failed' });
            this.options.logger.error(
              {
                sink: sink.name,
                alert: event.alert.id,
                status: event.type,
                err: errorMessage(error),
              },
              'alert notification failed',
            );
          }
        }),
      ),
    );
  }

  private updateGauge(states: readonly AlertState[]): void {
    const gauge = this.options.metrics?.alertsFiring;
    if (!gauge) return;
    gauge.reset();
    for (const rule of this.options.rules)
      gauge.set({ rule: rule.name, severity: rule.severity }, 0);
    for (const s of states)
      if (s.phase === 'firing') gauge.inc({ rule: s.rule, severity: s.severity });
  }
}
