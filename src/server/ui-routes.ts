import { Router, type Response } from 'express';
import type { RedisClient } from '../redis/connection.ts';
import { RUN_ID } from '../jobs/run-model.ts';
import { readMonitoringStatus } from '../monitoring/status.ts';
import type { RunSource } from './api-routes.ts';
import { readAssetViews } from './asset-views.ts';
import { renderAssetPage } from './ui/asset-page.ts';
import { renderAssetsPage } from './ui/html.ts';
import { layoutGraph } from './ui/layout.ts';
import { renderRunPage } from './ui/run-page.ts';
import { renderRunsPage } from './ui/runs-page.ts';
import { ASSET_KEY, historyQuerySchema, readAssetDetail } from './views/asset-detail.ts';
import { listRuns, readRunDetail, runsQuerySchema } from './views/runs.ts';
import { readSchedulesView } from './views/schedules.ts';
import { renderSchedulesPage } from './ui/schedules-page.ts';

export interface UiOptions extends RunSource {
  redis: RedisClient;
  keyPrefix: string;
  /** BullMQ's prefix: the schedules' job schedulers live under it. */
  queuePrefix: string;
  /** A token is configured, so browsers hold a session they may want to drop. */
  signOut: boolean;
  /** The server can launch runs (POST /api/runs, re-run failed). */
  canOperate: boolean;
  /** The server has POST /api/runs/:id/cancel. */
  canCancel: boolean;
}

/** Pages show live data: never from a cache. */
function sendPage(res: Response, html: string, status = 200): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

/** GET / and /assets (the graph), /assets/:key, /runs, /runs/:id. */
export function uiRouter(options: UiOptions): Router {
  const router = Router();
  // Once per config: dagre is too slow for every request on a large graph.
  const layout = layoutGraph(options.pipeline.graph);

  router.get(['/', '/assets'], async (_req, res) => {
    const now = Date.now();
    const [{ assets, recentRuns }, monitoring] = await Promise.all([
      readAssetViews(options.pipeline, options.events, options.runs, now),
      readMonitoringStatus(options.redis, options.keyPrefix, { recent: 0 }),
    ]);
    sendPage(
      res,
      renderAssetsPage({
        assets,
        layout,
        monitoring,
        recentRuns,
        now,
        signOut: options.signOut,
        canOperate: options.canOperate,
      }),
    );
  });

  router.get('/assets/:key', async (req, res, next) => {
    const query = historyQuerySchema.safeParse(req.query);
    const key = req.params.key;
    const detail =
      query.success && ASSET_KEY.test(key)
        ? await readAssetDetail(options, key, query.data.limit)
        : undefined;
    if (!detail) return next();
    sendPage(
      res,
      renderAssetPage({ detail, signOut: options.signOut, canOperate: options.canOperate }),
    );
  });

  router.get('/runs', async (req, res) => {
    const parsed = runsQuerySchema.safeParse(req.query);
    const query = parsed.success ? parsed.data : runsQuerySchema.parse({});
    const runs = await listRuns(options, query);
    sendPage(
      res,
      renderRunsPage({
        runs,
        query,
        assets: options.pipeline.graph.order,
        now: Date.now(),
        signOut: options.signOut,
      }),
      parsed.success ? 200 : 400,
    );
  });

  router.get('/schedules', async (_req, res) => {
    const view = await readSchedulesView(options, options.redis, options);
    sendPage(res, renderSchedulesPage(view, options.signOut));
  });

  router.get('/api/schedules', async (_req, res) => {
    res.json(await readSchedulesView(options, options.redis, options));
  });

  router.get('/runs/:id', async (req, res, next) => {
    const id = req.params.id;
    const detail = RUN_ID.test(id) ? await readRunDetail(options, id) : undefined;
    if (!detail) return next();
    sendPage(
      res,
      renderRunPage({
        detail,
        signOut: options.signOut,
        canCancel: options.canCancel,
        canOperate: options.canOperate,
      }),
    );
  });

  return router;
}
