import { loadPipeline } from '../../config/index.ts';
import { Orchestrator, assetStatuses, orchestratorSettings } from '../../jobs/index.ts';
import { formatStatusTable } from '../render-runs.ts';
import { formatMonitoringStatus } from '../../monitoring/format-status.ts';
import { readMonitoringStatus } from '../../monitoring/status.ts';
import { print } from '../print.ts';
import { SchedulerKeys } from '../../scheduler/keys.ts';
import { formatSchedulerStatus, readSchedulerStatus } from '../../scheduler/status.ts';

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
    const scheduler = await readSchedulerStatus(
      orchestrator.redis,
      new SchedulerKeys(orchestrator.settings.keyPrefix),
      pipeline,
      orchestrator.settings,
    );
    print(
      options.json,
      { assets, monitoring, scheduler },
      `${formatStatusTable(assets)}\n\n${formatSchedulerStatus(scheduler)}\n\n${formatMonitoringStatus(monitoring)}`,
    );
  } finally {
    await orchestrator.close();
  }
}
