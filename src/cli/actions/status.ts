import { loadPipeline } from '../../config/index.ts';
import { Orchestrator, assetStatuses, orchestratorSettings } from '../../jobs/index.ts';
import { formatStatusTable } from '../render-runs.ts';
import { formatMonitoringStatus } from '../../monitoring/format-status.ts';
import { readMonitoringStatus } from '../../monitoring/status.ts';
import { print } from '../print.ts';

export async function status(file: string, options: { json?: boolean }): Promise<void> {
  const pipeline = await loadPipeline(file);
  const orchestrator = await Orchestrator.connect(pipeline);
  try {
    const assets = await assetStatuses(pipeline, orchestrator.events);
    const monitoring = await readMonitoringStatus(
      orchestrator.redis,
      orchestratorSettings().keyPrefix,
      { recent: 5 },
    );
    print(
      options.json,
      { assets, monitoring },
      `${formatStatusTable(assets)}\n\n${formatMonitoringStatus(monitoring)}`,
    );
  } finally {
    await orchestrator.close();
  }
}
