import { loadPipeline } from '../../config/index.ts';
import { AssetWorker, Orchestrator, type RunDbtOptions, type RunRecord } from '../../jobs/index.ts';
import { parseDbtVars } from '../dbt-vars.ts';
import { failureReport, formatEvent, formatRunSummary } from '../render-runs.ts';
import { WorkFailedError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';

export interface MaterializeOptions {
  wait?: boolean;
  inline?: boolean;
  json?: boolean;
  reason?: string;
  /** dbt vars as written on the command line (YAML or JSON mapping). */
  vars?: string;
  fullRefresh?: boolean;
  workerTimeout: number;
  concurrency: number;
}

export async function materialize(
  file: string,
  selection: string,
  options: MaterializeOptions,
): Promise<void> {
  const dbt = runDbtOptions(options);
  const pipeline = await loadPipeline(file);
  const orchestrator = await Orchestrator.connect(pipeline);
  // An inline worker's routine logs would drown the progress lines; warnings still show.
  const logger = createLogger('worker', process.env.STRATA_LOG_LEVEL ?? 'warn');
  const worker = options.inline
    ? new AssetWorker({ pipeline, concurrency: options.concurrency, logger })
    : undefined;
  try {
    await worker?.start();
    const { runId, assets } = await orchestrator.submit({
      selection,
      trigger: 'manual',
      reason: options.reason,
      dbt,
    });
    if (!options.wait && !options.inline) {
      const text = `run ${runId} queued: ${assets.join(', ')}`;
      process.stdout.write(
        options.json ? `${JSON.stringify({ runId, status: 'queued', assets })}\n` : `${text}\n`,
      );
      return;
    }
    if (!options.json)
      process.stdout.write(
        `run ${runId}: ${assets.length} asset${assets.length === 1 ? '' : 's'} (${assets.join(', ')})\n`,
      );
    const run = await orchestrator.waitForRun(runId, {
      noWorkerTimeoutMs: worker ? undefined : options.workerTimeout,
      onEvent: (event) => {
        const line = options.json ? undefined : formatEvent(event);
        if (line) process.stdout.write(`${line}\n`);
      },
    });
    report(run, options.json);
  } finally {
    await worker?.close();
    await orchestrator.close();
  }
}

function runDbtOptions(options: MaterializeOptions): RunDbtOptions | undefined {
  if (options.vars === undefined && !options.fullRefresh) return undefined;
  const vars = options.vars === undefined ? undefined : parseDbtVars(options.vars);
  return { vars, fullRefresh: options.fullRefresh };
}

function report(run: RunRecord, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(run, null, 2)}\n` : `${formatRunSummary(run)}\n`);
  if (run.status !== 'succeeded') throw new WorkFailedError(failureReport(run));
}
