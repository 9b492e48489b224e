import type { Queue } from 'bullmq';
import type { Express } from 'express';
import { apiRouter, type RunSource } from './api-routes.ts';
import { createApp, type AppOptions } from './app.ts';
import { bullBoardRouter } from './bull-board.ts';
import { uiRouter } from './ui-routes.ts';

export interface ServeAppOptions extends AppOptions, RunSource {
  /** The asset queue (see AssetQueue), shown by Bull Board. */
  queue: Queue;
  queuePrefix: string;
}

/** Where Bull Board lives. */
export const QUEUES_PATH = '/queues';

/**
 * Everything `strata serve` answers: the monitoring routes of createApp, then /api/assets,
 * /api/runs, /api/runs/:id, the asset graph page at / and /assets, and Bull Board at /queues,
 * all behind the same authentication. Without a token Bull Board is read-only: whoever reaches
 * a loopback port may look at jobs, not retry, clean or delete them.
 */
export function createServeApp(options: ServeAppOptions): Express {
  const app = createApp(options);
  app.use(apiRouter(options));
  app.use(
    QUEUES_PATH,
    bullBoardRouter(options.queue, {
      basePath: QUEUES_PATH,
      readOnly: options.apiToken === undefined,
      queuePrefix: options.queuePrefix,
    }),
  );
  app.use(
    uiRouter({
      ...options,
      signOut: options.apiToken !== undefined,
    }),
  );
  return app;
}
