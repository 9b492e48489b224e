import type { LoadedPipeline } from '../../src/config/index.ts';
import type { Orchestrator } from '../../src/jobs/index.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { createServeApp, type ServeAppOptions } from '../../src/server/serve-app.ts';
import { listen, type RunningServer } from '../../src/server/server.ts';
import { createLogger } from '../../src/shared/logger.ts';
import type { Sandbox } from './orchestrator-harness.ts';

/** `strata serve` in process on a free loopback port, over a sandbox's prefixes. */
export async function serveSandbox(
  sandbox: Sandbox,
  orchestrator: Orchestrator,
  pipeline: LoadedPipeline,
  apiToken?: string,
  extra: Partial<ServeAppOptions> = {},
): Promise<RunningServer> {
  const logger = createLogger('test-server', 'silent');
  const app = createServeApp({
    redis: orchestrator.redis,
    keyPrefix: sandbox.settings.keyPrefix,
    registry: new ProcessMetrics({ defaultMetrics: false }).registry,
    instance: 'test-server',
    logger,
    apiToken,
    pipeline,
    events: orchestrator.events,
    runs: orchestrator.runs,
    queue: orchestrator.queue.queue,
    queuePrefix: sandbox.settings.queuePrefix,
    submit: (run) => orchestrator.submit(run),
    ...extra,
  });
  return listen(app, { host: '127.0.0.1', port: 0, apiToken, logger });
}

/** The `name=value` part of a Set-Cookie header, as a browser would send it back. */
export function cookieOf(response: Response): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}
