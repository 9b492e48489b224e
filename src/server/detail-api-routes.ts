import { Router } from 'express';
import { RUN_ID } from '../jobs/run-model.ts';
import type { RunSource } from './api-routes.ts';
import {
  ASSET_KEY,
  historyQuerySchema,
  HISTORY_MAX,
  readAssetDetail,
} from './views/asset-detail.ts';
import { readRunDetail } from './views/runs.ts';

/**
 * The data of the asset and run pages: GET /api/assets/:key?limit=N (the asset, its policy
 * lines, its newest N materializations) and GET /api/runs/:id/events (the run's event stream).
 */
export function detailApiRouter(source: RunSource): Router {
  const router = Router();

  router.get('/api/assets/:key', async (req, res) => {
    const query = historyQuerySchema.safeParse(req.query);
    if (!query.success) {
      res.status(400).json({ error: `limit must be an integer from 1 to ${HISTORY_MAX}` });
      return;
    }
    const key = req.params.key;
    const detail = ASSET_KEY.test(key)
      ? await readAssetDetail(source, key, query.data.limit)
      : undefined;
    if (!detail) {
      res.status(404).json({ error: 'no such asset in the pipeline served' });
      return;
    }
    res.json(detail);
  });

  router.get('/api/runs/:id/events', async (req, res) => {
    const id = req.params.id;
    if (!RUN_ID.test(id)) {
      res.status(400).json({ error: 'not a run id (lower-case letters, digits and dashes)' });
      return;
    }
    const detail = await readRunDetail(source, id);
    if (!detail) {
      res.status(404).json({ error: `no run ${id} (unknown, or trimmed by retention)` });
      return;
    }
    res.json({ events: detail.events });
  });

  return router;
}
