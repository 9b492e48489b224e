import { loadPipeline } from '../../config/index.ts';
import { ConfigWatcher } from '../../config/watch.ts';
import { Orchestrator } from '../../jobs/index.ts';
import { publishProcessMetrics } from '../../monitoring/metrics/publish.ts';
import { createMonitorRuntime } from '../../monitoring/runtime.ts';
import { errorMessage } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { exitIfLingering, startIngest } from './ingest.ts';
import { startScheduler, untilSignalled } from './scheduler.ts';
import { bindingFrom, startServer, type ServeOptions } from './serve.ts';
import { createAssetWorker } from './worker.ts';

/**
 * `strata dev`: scheduler, a worker, ingest, monitor and the web server in one process with one
 * log, for local work. Ctrl-C stops them in reverse order of start, each finishing its work.
 */
export async function dev(
  file: string,
  options: ServeOptions & { concurrency: number },
): Promise<void> {
  const binding = bindingFrom(options);
  const pipeline = await loadPipeline(file);
  const logger = createLogger('dev');
  const stops: Array<[string, () => Promise<unknown>]> = [];
  try {
    const published = await publishProcessMetrics('dev', { logger });
    stops.push(['metrics', () => published.close()]);

    const worker = createAssetWorker(pipeline, {
      concurrency: options.concurrency,
      logger: logger.child({ service: 'worker' }),
      metrics: published.metrics.orchestrator(),
    });
    await worker.start();
    stops.push(['worker', () => worker.close()]);

    const ingestion = await startIngest(pipeline, {
      logger: logger.child({ service: 'ingest' }),
      metrics: published.metrics.ingest(),
    });
    // Before start(): a start that fails (Kafka unreachable) has clients to close all the same.
    stops.push(['ingest', () => ingestion.close()]);
    await ingestion.service.start();

    const monitor = await createMonitorRuntime(pipeline, {
      logger: logger.child({ service: 'monitor' }),
    });
    monitor.monitor.start();
    stops.push(['monitor', () => monitor.close()]);

    const orchestrator = await Orchestrator.connect(pipeline);
    stops.push(['orchestrator', () => orchestrator.close()]);
    const server = await startServer(orchestrator, binding, logger.child({ service: 'server' }));
    stops.push(['server', () => server.close()]);

    const scheduler = await startScheduler(file, pipeline, logger.child({ service: 'scheduler' }));
    stops.push(['scheduler', () => scheduler.close()]);
    // The scheduler's own watcher logs each change (or the rejected edit); this one, silent so
    // the one log does not say it twice, hands valid edits to the worker (asset definitions) and
    // to the runs the web UI submits.
    const watcher = new ConfigWatcher({
      file,
      initial: pipeline,
      logger: createLogger('dev', 'silent'),
      onApplied: (next) => {
        worker.usePipeline(next);
        orchestrator.usePipeline(next);
      },
    });
    await watcher.ready();
    stops.push(['config watcher', () => watcher.close()]);

    logger.info(
      { url: server.url },
      `strata dev is running: ${server.url} (Ctrl-C stops everything)`,
    );
    process.stdout.write(`listening on ${server.url}\n`);
    await Promise.race([untilSignalled(), ingestion.service.done]);
    logger.info('stopping');
  } finally {
    for (const [name, stop] of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        logger.warn({ role: name, err: errorMessage(error) }, 'stopping failed');
      }
    }
    exitIfLingering(logger);
  }
}
