import { Router } from 'express';
import type { RedisClient } from '../redis/connection.ts';
import type { LoadedPipeline } from '../config/index.ts';
import { renderHealthPage } from './ui/health-page.ts';
import { healthQuerySchema, readPipelineHealth } from './views/health.ts';

export interface HealthRouteOptions {
  redis: RedisClient;
  keyPrefix: string;
  pipeline: Pick<LoadedPipeline, 'monitoring'>;
  signOut: boolean;
}

/**
 * GET /health (the pipeline health page) and GET /api/health?minutes=60 (its data): what the
 * leading monitor records each pass, read from Redis.
 */
export function healthRouter(options: HealthRouteOptions): Router {
  const router = Router();
  // The page fetches itself once per monitor interval: sooner shows nothing new.
  const refreshMs = Math.min(60_000, Math.max(5_000, options.pipeline.monitoring.intervalMs));

  router.get('/health', async (req, res) => {
    const parsed = healthQuerySchema.safeParse(req.query);
    const { minutes } = parsed.success ? parsed.data : healthQuerySchema.parse({});
    const health = await readPipelineHealth(options.redis, options.keyPrefix, minutes);
    res
      .status(parsed.success ? 200 : 400)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(renderHealthPage({ health, signOut: options.signOut, refreshMs }));
  });

  router.get('/api/health', async (req, res) => {
    const parsed = healthQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      res.status(400).json({ error: 'minutes must be an integer from 5 to 120' });
      return;
    }
    res.json(await readPipelineHealth(options.redis, options.keyPrefix, parsed.data.minutes));
  });

  return router;
}
