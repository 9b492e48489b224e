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

/**
 * The page has no scripts and loads nothing from elsewhere; the policy makes sure of it, so
 * an escaping mistake could not run code either.
 */
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

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
      .set('Content-Security-Policy', PAGE_POLICY)
      .set('X-Content-Type-Options', 'nosniff')
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
