import { loadPipeline } from '../../config/index.ts';
import { Orchestrator } from '../../jobs/index.ts';
import { warnAboutLegacyState } from '../../jobs/legacy-prefix.ts';
import { formatStatusTable } from '../render-runs.ts';
import { formatMonitoringStatus } from '../../monitoring/format-status.ts';
import { formatSchedulerStatus } from '../../scheduler/status.ts';
import { readStatusReport } from '../../status/report.ts';
import { print } from '../print.ts';

export async function status(file: string, options: { json?: boolean }): Promise<void> {
  const pipeline = await loadPipeline(file);
  const orchestrator = await Orchestrator.connect(pipeline);
  try {
    // On stderr: `--json` output stays one document, and the note reaches whoever runs it.
    await warnAboutLegacyState(orchestrator.redis, orchestrator.settings, (message) =>
      process.stderr.write(`warning: ${message}\n`),
    );
    const report = await readStatusReport(
      orchestrator.redis,
      pipeline,
      orchestrator.events,
      orchestrator.settings,
    );
    print(
      options.json,
      report,
      `${formatStatusTable(report.assets)}\n\n${formatSchedulerStatus(report.scheduler)}\n\n${formatMonitoringStatus(report.monitoring)}`,
    );
  } finally {
    await orchestrator.close();
  }
}
