import { Router } from 'express';
import type { Redis } from 'ioredis';
import { readMonitoringStatus } from '../monitoring/status.ts';
import type { RunSource } from './api-routes.ts';
import { readAssetViews } from './asset-views.ts';
import { renderAssetsPage } from './ui/html.ts';
import { layoutByDepth } from './ui/layout.ts';

export interface UiOptions extends RunSource {
  redis: Redis;
  keyPrefix: string;
  refreshSeconds?: number;
  /** A token is configured, so browsers hold a session they may want to drop. */
  signOut: boolean;
}

/** GET / and /assets: the asset graph page. */
export function uiRouter(options: UiOptions): Router {
  const router = Router();
  const layout = layoutByDepth(options.pipeline.graph);
  router.get(['/', '/assets'], async (_req, res) => {
    const now = Date.now();
    const [{ assets, recentRuns }, monitoring] = await Promise.all([
      readAssetViews(options.pipeline, options.events, options.runs, now),
      readMonitoringStatus(options.redis, options.keyPrefix, { recent: 0 }),
    ]);
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        renderAssetsPage({
          assets,
          layout,
          monitoring,
          recentRuns,
          now,
          refreshSeconds: options.refreshSeconds ?? 10,
          signOut: options.signOut,
        }),
      );
  });
  return router;
}
