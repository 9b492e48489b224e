import type { Queue } from 'bullmq';
import type { Express } from 'express';
import { apiRouter, type RunSource } from './api-routes.ts';
import { createApp, type AppOptions } from './app.ts';
import { bullBoardRouter } from './bull-board.ts';
import { RedisKeys } from '../jobs/keys.ts';
import { openApiDocument } from './api/openapi.ts';
import { detailApiRouter } from './detail-api-routes.ts';
import { healthRouter } from './health-routes.ts';
import { LiveFeed } from './live/feed.ts';
import { sseRoute, type SseOptions } from './live/sse-route.ts';
import { operationsRouter, type SubmitFn } from './operations-routes.ts';
import { staticRouter } from './static-routes.ts';
import { statusRouter } from './status-route.ts';
import { uiRouter } from './ui-routes.ts';

export interface ServeAppOptions extends AppOptions, RunSource {
  /** The asset queue (see AssetQueue), shown by Bull Board. */
  queue: Queue;
  queuePrefix: string;
  /** Launches runs (Orchestrator.submit); without it the UI only looks. */
  submit?: SubmitFn;
  /** Timings of the live event streams (tests shorten them). */
  live?: SseOptions & { intervalMs?: number };
}

/** Called by `listen` before it closes the server: ends what would keep connections open. */
export const BEFORE_CLOSE = 'strataBeforeClose';

/** Where Bull Board lives. */
export const QUEUES_PATH = '/queues';

/**
 * Everything `strata serve` answers: the monitoring routes of createApp, then /api/assets,
 * /api/runs, /api/runs/:id, /api/status, the pages (asset graph at / and /assets, assets, runs, schedules,
 * pipeline health at /health, with their /api routes), and Bull Board at /queues,
 * all behind the same authentication. Without a token Bull Board is read-only: whoever reaches
 * a loopback port may look at jobs, not retry, clean or delete them.
 */
export function createServeApp(options: ServeAppOptions): Express {
  const app = createApp(options);
  app.use(staticRouter());
  app.use(apiRouter(options));
  app.use(detailApiRouter(options));
  app.use(statusRouter(options));
  if (options.submit) app.use(operationsRouter(options, options.submit));
  const feed = new LiveFeed(options.redis, new RedisKeys(options.keyPrefix), {
    logger: options.logger,
    intervalMs: options.live?.intervalMs,
  });
  const live = sseRoute(feed, options.live);
  app.get('/api/events', live.handler);
  // What the live feed holds right now: a page left open for a day must not make it grow.
  app.get('/api/events/stats', (_req, res) => {
    res.json({
      listeners: feed.listenerCount,
      openStreams: live.openStreams,
      reading: feed.running,
      trackedRuns: feed.trackedRuns,
    });
  });
  app.locals[BEFORE_CLOSE] = [live.closeAll];
  let openApi: Record<string, unknown> | undefined;
  app.get('/api/openapi.json', (_req, res) => {
    res.json((openApi ??= openApiDocument()));
  });
  app.use(
    QUEUES_PATH,
    bullBoardRouter(options.queue, {
      basePath: QUEUES_PATH,
      readOnly: options.apiToken === undefined,
      queuePrefix: options.queuePrefix,
    }),
  );
  app.use(healthRouter({ ...options, signOut: options.apiToken !== undefined }));
  app.use(
    uiRouter({
      ...options,
      signOut: options.apiToken !== undefined,
      canOperate: options.submit !== undefined,
      canCancel: true,
    }),
  );
  return app;
}
