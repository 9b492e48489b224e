import { Router } from 'express';
import type { RedisClient } from '../redis/connection.ts';
import { readStatusReport } from '../status/report.ts';
import type { RunSource } from './api-routes.ts';

/**
 * GET /api/status: what `strata status --json` prints (assets, scheduler with the current config
 * error, monitor), for dashboards and scripts that cannot run the CLI.
 */
export function statusRouter(
  source: RunSource & { redis: RedisClient; keyPrefix: string; queuePrefix: string },
): Router {
  const router = Router();
  router.get('/api/status', async (_req, res) => {
    const report = await readStatusReport(source.redis, source.pipeline, source.events, source);
    res.json({ generatedAt: Date.now(), ...report });
  });
  return router;
}
