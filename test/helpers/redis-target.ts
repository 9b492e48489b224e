import { serviceSettings } from '../../src/shared/settings.ts';

/**
 * The Redis a parameterised suite runs against: the single server of the shared stack
 * (`npm test`) or a local Redis Cluster (`npm run test:topologies`). The URL is read when the
 * tests run, since a cluster is started in a beforeAll hook after the suites are collected.
 */
export interface RedisTarget {
  /** Shown in the suite's name. */
  name: string;
  /** REDIS_URL for connections and for spawned `strata` processes. */
  url(): string;
}

export const singleRedis: RedisTarget = {
  name: 'single Redis',
  url: () => serviceSettings().redisUrl,
};
