import { Router } from 'express';
import type { LoadedPipeline } from '../config/load.ts';
import type { EventLog } from '../jobs/event-log.ts';
import { RUN_ID } from '../jobs/run-model.ts';
import type { RunStore } from '../jobs/run-store.ts';
import { readAssetViews } from './asset-views.ts';
import { listRuns, runsQuerySchema } from './views/runs.ts';

/** Where the asset and run routes read from: the pipeline served and its run state in Redis. */
export interface RunSource {
  pipeline: LoadedPipeline;
  events: EventLog;
  runs: RunStore;
  /**
   * Where workers keep the compiled SQL of dbt models (the dbt runs dir); default the one the
   * environment names for dbt (STRATA_DBT_RUNS_DIR), as workers on this host use.
   */
  dbtRunsDir?: string;
}

/**
 * GET /api/assets (every asset with its status and deps),
 * GET /api/runs?limit&status&trigger&asset (newest first), GET /api/runs/:id (one run with each
 * asset's state), POST /api/runs/:id/cancel (assets not started are cancelled, running ones
 * aborted by their workers; answers the run).
 */
export function apiRouter(source: RunSource): Router {
  const router = Router();

  router.get('/api/assets', async (_req, res) => {
    const now = Date.now();
    const { assets } = await readAssetViews(source.pipeline, source.events, source.runs, now);
    res.json({ generatedAt: now, assets });
  });

  router.get('/api/runs', async (req, res) => {
    const query = runsQuerySchema.safeParse(req.query);
    if (!query.success) {
      res.status(400).json({
        error: 'limit must be an integer from 1 to 500; status, trigger and asset known values',
      });
      return;
    }
    res.json({ runs: await listRuns(source, query.data) });
  });

  router.get('/api/runs/:id', async (req, res) => {
    const id = req.params.id;
    if (!RUN_ID.test(id)) {
      res.status(400).json({ error: 'not a run id (lower-case letters, digits and dashes)' });
      return;
    }
    const run = await source.runs.get(id);
    if (!run) {
      res.status(404).json({ error: `no run ${id} (unknown, or trimmed by retention)` });
      return;
    }
    res.json(run);
  });

  // The server's state-changing route: request-guards.ts (Host, Origin) and the token apply.
  router.post('/api/runs/:id/cancel', async (req, res) => {
    const id = req.params.id;
    if (!RUN_ID.test(id)) {
      res.status(400).json({ error: 'not a run id (lower-case letters, digits and dashes)' });
      return;
    }
    if ((await source.runs.cancel(id)) === 'missing') {
      res.status(404).json({ error: `no run ${id} (unknown, or trimmed by retention)` });
      return;
    }
    res.json(await source.runs.get(id));
  });

  return router;
}
