import express, { type Express } from 'express';
import type { RedisClient } from '../redis/connection.ts';
import type { Registry } from 'prom-client';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { MonitorKeys } from '../monitoring/keys.ts';
import { readMonitoringStatus } from '../monitoring/status.ts';
import { assertStrongToken, bearerAuth } from './auth.ts';
import { loginRouter } from './login.ts';
import { metricsRoute } from './metrics-route.ts';
import { securityHeaders } from './security/headers.ts';
import { SessionStore } from './security/sessions.ts';

export interface AppOptions {
  redis: RedisClient;
  keyPrefix: string;
  registry: Registry;
  /** This process's metrics snapshot id (see MetricsSnapshotPublisher). */
  instance: string;
  logger: Logger;
  /**
   * When set, every route but /healthz and /login needs `Authorization: Bearer <token>` or the
   * session cookie /login gives a browser for the token.
   */
  apiToken?: string;
}

/**
 * The monitoring surface: /metrics, /healthz, /api/lag, /api/alerts (and /login, /logout with a
 * token). Routes added to the returned app inherit its authentication; createServeApp adds the
 * asset API, the asset graph page and Bull Board.
 */
export function createApp(options: AppOptions): Express {
  assertStrongToken(options.apiToken);
  const app = express();
  app.disable('x-powered-by');
  // First, so that every answer carries them: pages, Bull Board, 401s, the sign-in form, errors.
  app.use(securityHeaders());
  if (options.apiToken !== undefined) {
    const sessions = new SessionStore(options.apiToken, options.redis, options.keyPrefix);
    app.use(bearerAuth(options.apiToken, sessions));
    app.use(loginRouter(options.apiToken, sessions));
  }
  const keys = new MonitorKeys(options.keyPrefix);

  app.get('/healthz', async (_req, res) => {
    try {
      // Commands wait out a Redis restart; a health check must answer, so it gives up first.
      await Promise.race([
        options.redis.ping(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('no answer from Redis within 2s')), 2_000).unref(),
        ),
      ]);
      res.json({ status: 'ok', redis: 'up' });
    } catch (error) {
      // Unauthenticated: the reason (hosts, ports) goes to the log, not to whoever asks.
      options.logger.warn({ err: errorMessage(error) }, 'health check: RedisClient unreachable');
      res.status(503).json({ status: 'degraded', redis: 'down' });
    }
  });

  app.get(
    '/metrics',
    metricsRoute({
      registry: options.registry,
      redis: options.redis,
      keys,
      instance: options.instance,
      logger: options.logger,
    }),
  );

  app.get('/api/lag', async (_req, res) => {
    const status = await readMonitoringStatus(options.redis, options.keyPrefix, { recent: 0 });
    res.json({ monitorActive: status.monitorActive, groups: status.lag ?? [] });
  });

  app.get('/api/alerts', async (req, res) => {
    const recent = Math.min(1000, Math.max(0, Number(req.query.recent ?? 50) || 0));
    const status = await readMonitoringStatus(options.redis, options.keyPrefix, { recent });
    res.json({
      monitorActive: status.monitorActive,
      firing: status.firing,
      pending: status.pending,
      recent: status.recent,
    });
  });

  return app;
}
