import { loadPipeline } from '../../config/index.ts';
import { Orchestrator } from '../../jobs/index.ts';
import { MonitorKeys } from '../../monitoring/keys.ts';
import { processMetrics } from '../../monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../monitoring/metrics/snapshot.ts';
import { createServeApp } from '../../server/serve-app.ts';
import { assertSafeBinding, listen } from '../../server/server.ts';
import { UsageError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';

export interface ServeOptions {
  host: string;
  port: string;
}

export async function serve(file: string, options: ServeOptions): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port: "${options.port}" is not a port number`);
  const apiToken = process.env.STRATA_API_TOKEN || undefined;
  assertSafeBinding(options.host, apiToken);
  const pipeline = await loadPipeline(file);
  const logger = createLogger('server');
  const orchestrator = await Orchestrator.connect(pipeline);
  const { keyPrefix, queuePrefix } = orchestrator.settings;
  const metrics = processMetrics();
  const snapshots = new MetricsSnapshotPublisher(
    orchestrator.redis,
    new MonitorKeys(keyPrefix),
    metrics.registry,
    { role: 'server', logger },
  );
  snapshots.start();
  const app = createServeApp({
    redis: orchestrator.redis,
    keyPrefix,
    registry: metrics.registry,
    instance: snapshots.instance,
    logger,
    apiToken,
    pipeline,
    events: orchestrator.events,
    runs: orchestrator.runs,
    queue: orchestrator.queue.queue,
    queuePrefix,
  });
  const server = await listen(app, { host: options.host, port, apiToken, logger });
  logger.info({ url: server.url, auth: apiToken !== undefined }, 'listening');
  process.stdout.write(`listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  await snapshots.close();
  await orchestrator.close();
}
