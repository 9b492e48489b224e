import { Cluster, Redis } from 'ioredis';
import { TransientError, errorMessage } from '../shared/errors.ts';
import { parseClusterTarget, redact, type ClusterTarget } from './url.ts';

export type { Cluster, Redis };

/**
 * A connection to one Redis server or to a Redis Cluster (REDIS_URL `redis+cluster://...`).
 * Both share ioredis's command interface, and BullMQ takes either. What differs is where keys
 * live: on a cluster every key a command or script names must hash to one slot, which Strata
 * ensures with a hash-tagged prefix (src/jobs/settings.ts), and keyspace-wide commands (SCAN)
 * must visit every master (see forEachMaster).
 */
export type RedisClient = Redis | Cluster;

/**
 * A Redis connection that is ready to use, or a clear error. `maxRetriesPerRequest: null` is
 * what BullMQ requires of connections it shares, and lets commands wait out a Redis restart
 * (on a cluster: a failover as well).
 */
export async function connectRedis(
  url: string,
  options: { connectTimeoutMs?: number } = {},
): Promise<RedisClient> {
  const cluster = parseClusterTarget(url);
  const redis: RedisClient = cluster
    ? newCluster(cluster)
    : new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  // Without a listener ioredis prints every reconnect error to stderr; callers see failures
  // on the commands themselves.
  redis.on('error', () => undefined);
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new TransientError(`cannot reach Redis at ${redact(url)}: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

function newCluster(target: ClusterTarget): Cluster {
  return new Cluster(target.nodes, {
    lazyConnect: true,
    // BullMQ reads the per-node options to check that blocking connections never give up.
    redisOptions: {
      maxRetriesPerRequest: null,
      username: target.username,
      password: target.password,
      ...(target.tls ? { tls: {} } : {}),
    },
    // Managed clusters with TLS announce node names their certificates cover; resolving them
    // to IPs first would fail the certificate check (ioredis's documented ElastiCache setting).
    ...(target.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  });
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * Runs `work` on every master: SCAN and other keyspace-wide commands see one node's keys only.
 * On a single server that is the connection itself.
 */
export async function forEachMaster(
  redis: RedisClient,
  work: (node: Redis) => Promise<void>,
): Promise<void> {
  const nodes = isCluster(redis) ? redis.nodes('master') : [redis];
  for (const node of nodes) await work(node);
}

/** Closes politely, or drops the socket when Redis is gone; safe to call twice. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
