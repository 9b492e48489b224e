import { loadPipeline } from '../../config/index.ts';
import { Orchestrator } from '../../jobs/index.ts';
import { SchedulerKeys } from '../../scheduler/keys.ts';
import { formatPlan, planAutomation } from '../../scheduler/plan.ts';
import { AutomationStore } from '../../scheduler/state.ts';
import { print } from '../print.ts';

/** What automation would start now and why, from the live state, without starting anything. */
export async function plan(file: string, options: { json?: boolean }): Promise<void> {
  const pipeline = await loadPipeline(file);
  const orchestrator = await Orchestrator.connect(pipeline);
  try {
    const store = new AutomationStore(
      orchestrator.redis,
      orchestrator.keys,
      new SchedulerKeys(orchestrator.settings.keyPrefix),
    );
    const result = await planAutomation(pipeline, store);
    print(options.json, result, formatPlan(result));
  } finally {
    await orchestrator.close();
  }
}
