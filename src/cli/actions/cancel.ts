import { loadPipeline } from '../../config/index.ts';
import { Orchestrator, type RunRecord } from '../../jobs/index.ts';
import { RUN_ID } from '../../jobs/run-model.ts';
import { UsageError } from '../../shared/errors.ts';
import { print } from '../print.ts';

/** Cancels a run and prints it as it is right after the request. */
export async function cancel(
  file: string,
  runId: string,
  options: { json?: boolean },
): Promise<void> {
  if (!RUN_ID.test(runId))
    throw new UsageError(`"${runId}" is not a run id (lower-case letters, digits and dashes)`);
  const pipeline = await loadPipeline(file);
  const orchestrator = await Orchestrator.connect(pipeline);
  try {
    const run = await orchestrator.cancel(runId);
    if (!run) throw new UsageError(`no run ${runId} (unknown, or trimmed by retention)`);
    print(options.json, run, describeCancel(run));
  } finally {
    await orchestrator.close();
  }
}

function describeCancel(run: RunRecord): string {
  const running = run.assetStates.filter((a) => a.state === 'running').map((a) => a.key);
  if (running.length === 0) return `run ${run.id}: ${run.status}`;
  return `run ${run.id}: cancel requested; aborting ${running.join(', ')}`;
}
