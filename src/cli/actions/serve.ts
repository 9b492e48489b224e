import { loadPipeline } from '../../config/index.ts';
import { Orchestrator } from '../../jobs/index.ts';
import { MonitorKeys } from '../../monitoring/keys.ts';
import { processMetrics } from '../../monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../monitoring/metrics/snapshot.ts';
import { createServeApp } from '../../server/serve-app.ts';
import { assertSafeBinding, listen } from '../../server/server.ts';
import { UsageError } from '../../shared/errors.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';

export interface ServeOptions {
  host: string;
  port: string;
}

export interface Binding {
  host: string;
  port: number;
  apiToken: string | undefined;
  /** Names besides localhost a loopback server answers to (the DNS rebinding guard). */
  allowedHosts: string[];
}

export async function serve(file: string, options: ServeOptions): Promise<void> {
  const binding = bindingFrom(options);
  const pipeline = await loadPipeline(file);
  const logger = createLogger('server');
  const orchestrator = await Orchestrator.connect(pipeline);
  try {
    await serveUntilSignalled(orchestrator, binding, logger);
  } finally {
    // Also when listening failed (port in use): an open Redis connection would keep the
    // process alive instead of letting it exit with the error.
    await orchestrator.close();
  }
}

/** Host, port and token from the options and environment; refuses an unsafe binding. */
export function bindingFrom(options: ServeOptions): Binding {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port: "${options.port}" is not a port number`);
  const binding: Binding = {
    host: options.host,
    port,
    apiToken: process.env.STRATA_API_TOKEN || undefined,
    allowedHosts: (process.env.STRATA_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  };
  assertSafeBinding(binding.host, binding.apiToken);
  return binding;
}

async function serveUntilSignalled(
  orchestrator: Orchestrator,
  binding: Binding,
  logger: Logger,
): Promise<void> {
  const server = await startServer(orchestrator, binding, logger);
  process.stdout.write(`listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
}

/** The web server and its metrics publisher, until close(). */
export async function startServer(
  orchestrator: Orchestrator,
  binding: Binding,
  logger: Logger,
): Promise<{ url: string; close(): Promise<void> }> {
  const { keyPrefix, queuePrefix } = orchestrator.settings;
  const metrics = processMetrics();
  const snapshots = new MetricsSnapshotPublisher(
    orchestrator.redis,
    new MonitorKeys(keyPrefix),
    metrics.registry,
    { role: 'server', logger },
  );
  snapshots.start();
  try {
    const app = createServeApp({
      redis: orchestrator.redis,
      keyPrefix,
      registry: metrics.registry,
      instance: snapshots.instance,
      logger,
      apiToken: binding.apiToken,
      pipeline: orchestrator.pipeline,
      events: orchestrator.events,
      runs: orchestrator.runs,
      queue: orchestrator.queue.queue,
      queuePrefix,
      submit: (run) => orchestrator.submit(run),
    });
    const server = await listen(app, { ...binding, logger });
    logger.info({ url: server.url, auth: binding.apiToken !== undefined }, 'listening');
    return {
      url: server.url,
      close: async () => {
        try {
          await server.close();
        } finally {
          await snapshots.close();
        }
      },
    };
  } catch (error) {
    await snapshots.close();
    throw error;
  }
}
