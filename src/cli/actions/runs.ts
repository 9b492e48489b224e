import { loadPipeline } from '../../config/index.ts';
import { Orchestrator } from '../../jobs/index.ts';
import { formatRunsTable } from '../render-runs.ts';
import { print } from '../print.ts';

export async function runs(
  file: string,
  options: { limit: number; json?: boolean },
): Promise<void> {
  const pipeline = await loadPipeline(file);
  const orchestrator = await Orchestrator.connect(pipeline);
  try {
    const recent = await orchestrator.runs.list(options.limit);
    print(options.json, recent, formatRunsTable(recent));
  } finally {
    await orchestrator.close();
  }
}
