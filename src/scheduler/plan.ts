import type { LoadedPipeline } from '../config/load.ts';
import { evaluateAutomation, type Evaluation } from './evaluate.ts';
import type { AutomationStore } from './state.ts';

/** What automation would do now, from the current state, without doing it (`strata plan`). */
export async function planAutomation(
  pipeline: LoadedPipeline,
  store: AutomationStore,
  now = Date.now(),
): Promise<Evaluation> {
  const snapshot = await store.snapshot(pipeline, { readOnly: true });
  return evaluateAutomation({
    now,
    graph: pipeline.graph,
    assets: pipeline.assets,
    state: snapshot.state,
    settings: pipeline.scheduler,
    runningAutomatedRuns: snapshot.runningAutomatedRuns,
  });
}

export function formatPlan(plan: Evaluation): string {
  const lines: string[] = [];
  if (plan.requests.length === 0) lines.push('Nothing would run now.');
  for (const request of plan.requests) {
    lines.push(`Would start a run (${request.trigger}) of ${request.assets.join(', ')}:`);
  }
  const width = Math.max(0, ...plan.decisions.map((d) => d.asset.length));
  lines.push('');
  for (const d of plan.decisions) {
    const verb = d.action === 'request' ? 'RUN ' : d.action === 'wait' ? 'WAIT' : 'SKIP';
    lines.push(`${verb} ${d.asset.padEnd(width)}  ${d.reason}`);
  }
  if (plan.wakeAt !== undefined) {
    lines.push('', `Next time-based change: ${new Date(plan.wakeAt).toISOString()}`);
  }
  return lines.join('\n');
}
