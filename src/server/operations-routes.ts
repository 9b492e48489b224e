import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { SubmitRun } from '../jobs/orchestrator.ts';
import { RUN_ID } from '../jobs/run-model.ts';
import { UsageError } from '../shared/errors.ts';
import type { RunSource } from './api-routes.ts';

export type SubmitFn = (run: SubmitRun) => Promise<{ runId: string; assets: string[] }>;

export const materializeBodySchema = z.object({
  /** Selection syntax (`key`, `+key`, `key+`, `tag:x`, `kind:dbt`, `*`, commas). */
  selection: z.string().trim().min(1).max(1_000),
});

/** States of an asset in a run that a re-run of the failed part picks up again. */
const RERUN_STATES = new Set(['failed', 'skipped', 'cancelled']);

/**
 * The UI's operations, as JSON API routes: POST /api/runs (materialize a selection) and
 * POST /api/runs/:id/rerun-failed (a new run of the assets that failed, were skipped or were
 * cancelled). Bodies must be JSON: an HTML form on another site cannot send that content type,
 * and a cross-site fetch that does needs a CORS preflight this server never grants. With a
 * token these need it like every route (bearerAuth runs first).
 */
export function operationsRouter(source: RunSource, submit: SubmitFn): Router {
  const router = Router();
  const json = express.json({ limit: '16kb', strict: true, type: 'application/json' });

  router.post('/api/runs', requireJson, json, async (req, res) => {
    const body = materializeBodySchema.safeParse(req.body);
    if (!body.success) {
      res.status(400).json({ error: 'body must be {"selection": "<selection>"}' });
      return;
    }
    const started = await submitOr400(res, submit, {
      selection: body.data.selection,
      trigger: 'manual',
      reason: 'launched from the web UI',
    });
    if (started) res.status(201).json(started);
  });

  router.post('/api/runs/:id/rerun-failed', requireJson, json, async (req, res) => {
    const id = req.params.id as string;
    if (!RUN_ID.test(id)) {
      res.status(400).json({ error: 'not a run id (lower-case letters, digits and dashes)' });
      return;
    }
    const run = await source.runs.get(id);
    if (!run) {
      res.status(404).json({ error: `no run ${id} (unknown, or trimmed by retention)` });
      return;
    }
    const again = run.assetStates.filter((a) => RERUN_STATES.has(a.state)).map((a) => a.key);
    if (again.length === 0) {
      res.status(409).json({ error: `run ${id} has no failed, skipped or cancelled assets` });
      return;
    }
    const started = await submitOr400(res, submit, {
      selection: again.join(','),
      trigger: 'manual',
      reason: `re-run of what failed in ${id}`,
    });
    if (started) res.status(201).json(started);
  });

  return router;
}

/** A selection that does not parse or names no asset is the caller's mistake: 400 with why. */
async function submitOr400(
  res: Response,
  submit: SubmitFn,
  run: SubmitRun,
): Promise<{ runId: string; assets: string[] } | undefined> {
  try {
    return await submit(run);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    res.status(400).json({ error: error.message });
    return undefined;
  }
}

function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (req.is('application/json')) return next();
  res.status(415).json({ error: 'send the body as application/json' });
}
