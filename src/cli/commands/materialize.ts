import type { Command } from 'commander';
import { loadPipeline } from '../../assets/config/index.ts';
import { AssetWorker, Orchestrator, type RunRecord } from '../../jobs/index.ts';
import { failureReport, formatEvent, formatRunSummary } from '../../jobs/render.ts';
import { WorkFailedError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { duration, positiveInt } from '../options.ts';
import { configFile } from './config-commands.ts';

interface MaterializeOptions {
  wait?: boolean;
  inline?: boolean;
  json?: boolean;
  reason?: string;
  workerTimeout: number;
  concurrency: number;
}

export function registerMaterializeCommand(program: Command): void {
  program
    .command('materialize')
    .description('run a selection of assets now (key, +key, key+, tag:x, kind:dbt, *)')
    .argument('<selection>', 'assets to materialize')
    .option('--wait', 'follow the run until it ends; exit 1 if an asset or error check failed')
    .option('--inline', 'run a worker in this process for the run (implies --wait)')
    .option('--json', 'print the run as JSON')
    .option('--reason <text>', 'why this run was requested, kept with the run')
    .option(
      '--worker-timeout <duration>',
      'with --wait: give up when no worker shows up for this long',
      duration,
      15_000,
    )
    .option('--concurrency <n>', 'with --inline: jobs run at once', positiveInt, 1)
    .action(async (selection: string, options: MaterializeOptions, command: Command) => {
      const pipeline = await loadPipeline(configFile(command));
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
    });
}

function report(run: RunRecord, json: boolean | undefined): void {
  process.stdout.write(json ? `${JSON.stringify(run, null, 2)}\n` : `${formatRunSummary(run)}\n`);
  if (run.status !== 'succeeded') throw new WorkFailedError(failureReport(run));
}
