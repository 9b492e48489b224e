import type { Request, Response } from 'express';
import type { RedisClient } from '../redis/connection.ts';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { errorMessage } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { MonitorKeys } from '../monitoring/keys.ts';
import { readSnapshots, snapshotOf } from '../monitoring/metrics/snapshot.ts';

export interface MetricsRouteOptions {
  registry: Registry;
  redis: RedisClient;
  keys: MonitorKeys;
  /** This process's snapshot id, so its own metrics are not counted twice. */
  instance: string;
  logger: Logger;
}

/**
 * GET /metrics: Prometheus text of the whole deployment (every role's published snapshot, this
 * process included, aggregated: counters and histograms summed over processes). `?scope=process`
 * gives this process alone. When Redis cannot be read the process's own metrics are served,
 * with a header saying so, rather than an error.
 */
export function metricsRoute(options: MetricsRouteOptions) {
  return async (req: Request, res: Response): Promise<void> => {
    const own = await snapshotOf(options.registry, options.instance, 'server');
    if (req.query.scope === 'process') {
      res.type(options.registry.contentType).send(await options.registry.metrics());
      return;
    }
    let others: Awaited<ReturnType<typeof readSnapshots>> = [];
    try {
      others = (await readSnapshots(options.redis, options.keys)).filter(
        (s) => s.instance !== options.instance,
      );
    } catch (error) {
      options.logger.warn(
        { err: errorMessage(error) },
        'cannot read metric snapshots; serving this process only',
      );
      res.set('X-Strata-Metrics-Scope', 'process');
    }
    const aggregated = AggregatorRegistry.aggregate([own.metrics, ...others.map((s) => s.metrics)]);
    res.type(options.registry.contentType).send(await aggregated.metrics());
  };
}
