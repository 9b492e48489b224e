import type { Command } from 'commander';
import { closeRedis, connectRedis } from '../../jobs/redis.ts';
import { orchestratorSettings } from '../../jobs/settings.ts';
import { MonitorKeys } from '../../monitoring/keys.ts';
import { processMetrics } from '../../monitoring/metrics/registry.ts';
import { MetricsSnapshotPublisher } from '../../monitoring/metrics/snapshot.ts';
import { createApp } from '../../server/app.ts';
import { assertSafeBinding, listen } from '../../server/server.ts';
import { UsageError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { serviceSettings } from '../../shared/settings.ts';

interface ServeOptions {
  host: string;
  port: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('HTTP server: /metrics, /healthz, /api/lag, /api/alerts; runs until SIGTERM')
    .option(
      '--host <address>',
      'bind address; anything but loopback needs STRATA_API_TOKEN',
      process.env.STRATA_HOST ?? '127.0.0.1',
    )
    .option('--port <n>', 'port (0 picks a free one)', process.env.STRATA_PORT ?? '3000')
    .action(async (options: ServeOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new UsageError(`--port: "${options.port}" is not a port number`);
      const apiToken = process.env.STRATA_API_TOKEN || undefined;
      assertSafeBinding(options.host, apiToken);
      const logger = createLogger('server');
      const redis = await connectRedis(serviceSettings().redisUrl);
      const keyPrefix = orchestratorSettings().keyPrefix;
      const metrics = processMetrics();
      const snapshots = new MetricsSnapshotPublisher(
        redis,
        new MonitorKeys(keyPrefix),
        metrics.registry,
        { role: 'server', logger },
      );
      snapshots.start();
      const app = createApp({
        redis,
        keyPrefix,
        registry: metrics.registry,
        instance: snapshots.instance,
        logger,
        apiToken,
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
      await closeRedis(redis);
    });
}
