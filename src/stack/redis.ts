import fs from 'node:fs';
import { Redis } from 'ioredis';
import { WorkFailedError } from '../shared/errors.ts';
import { runToLog } from './commands.ts';
import { formatHostPort, type HostPort, type StackConfig, type StackPaths } from './config.ts';
import { REDIS, type Prerequisite } from './prerequisites.ts';
import { waitUntil } from './probe.ts';
import { serverAt, type ServerService, type StackContext } from './service.ts';

/**
 * The settings production needs too: AOF so queued jobs survive a restart, and noeviction so
 * BullMQ's keys are never silently dropped under memory pressure.
 */
export function redisServerArgs(config: Pick<StackConfig, 'redis'>, dataDir: string): string[] {
  const bind = config.redis.host === 'localhost' ? '127.0.0.1' : config.redis.host;
  const settings: [string, string][] = [
    ['--bind', bind],
    ['--port', String(config.redis.port)],
    ['--dir', dataDir],
    ['--appendonly', 'yes'],
    ['--maxmemory-policy', 'noeviction'],
    ['--daemonize', 'no'],
    ['--protected-mode', 'yes'],
  ];
  return settings.flat();
}

async function redisAnswersPing(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // the outcome is the return value, not an event
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function redisService(config: StackConfig, paths: StackPaths): ServerService {
  return {
    name: 'redis',
    ...serverAt(config.redis, () => redisAnswersPing(config.redisUrl)),
    prerequisites: (): Prerequisite[] => [REDIS],
    prepare: () => {
      fs.mkdirSync(paths.redisDir, { recursive: true });
      return Promise.resolve();
    },
    spawnSpec: () => ({
      command: 'redis-server',
      args: redisServerArgs(config, paths.redisDir),
      cwd: paths.redisDir,
      // redis rewrites its process title to "redis-server host:port", dropping other arguments
      marker: 'redis-server',
      address: formatHostPort(config.redis),
    }),
  };
}

/** The Redis service: one server, or one service per master of a local Redis Cluster. */
export function redisServices(config: StackConfig, paths: StackPaths): ServerService[] {
  if (config.redisNodes.length <= 1) return [redisService(config, paths)];
  return config.redisNodes.map((_, i) => redisClusterNode(config, paths, i + 1));
}

/** The settings of one server plus cluster mode; nodes.conf is the node's own cluster state. */
export function redisClusterNodeArgs(node: HostPort, dataDir: string): string[] {
  return [
    ...redisServerArgs({ redis: node }, dataDir),
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '5000',
  ];
}

function redisClusterNode(config: StackConfig, paths: StackPaths, nodeId: number): ServerService {
  const node = config.redisNodes[nodeId - 1]!;
  const dir = paths.redisNodeDir(nodeId);
  return {
    name: 'redis',
    unit: `redis-${nodeId}`,
    ...serverAt(node, () => redisAnswersPing(`redis://${formatHostPort(node)}`)),
    prerequisites: (): Prerequisite[] => [REDIS],
    prepare: () => {
      fs.mkdirSync(dir, { recursive: true });
      return Promise.resolve();
    },
    spawnSpec: () => ({
      command: 'redis-server',
      args: redisClusterNodeArgs(node, dir),
      cwd: dir,
      marker: 'redis-server',
      address: formatHostPort(node),
    }),
    // The first master joins the cluster once all three answer.
    ...(nodeId === 1
      ? { join: (context: StackContext) => joinCluster(config, paths, context) }
      : {}),
  };
}

const ALL_SLOTS = 16_384;

/**
 * Assigns the 16384 slots across the masters (`redis-cli --cluster create`, no replicas) unless
 * they already are, then waits until every master reports cluster_state:ok.
 */
async function joinCluster(
  config: StackConfig,
  paths: StackPaths,
  context: StackContext,
): Promise<void> {
  const first = config.redisNodes[0]!;
  if ((await clusterInfo(first)).get('cluster_slots_assigned') !== String(ALL_SLOTS)) {
    context.progress(`redis: creating a cluster of ${config.redisNodes.length} masters`);
    await runToLog(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...config.redisNodes.map(formatHostPort),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      paths.logFile('redis-cluster-create'),
      { cwd: paths.redisNodeDir(1), what: 'creating the Redis Cluster' },
    );
  }
  const outcome = await waitUntil(
    async () => {
      const infos = await Promise.all(config.redisNodes.map(clusterInfo));
      return infos.every((info) => info.get('cluster_state') === 'ok');
    },
    { timeoutMs: config.startTimeoutMs },
  );
  if (outcome !== 'ready')
    throw new WorkFailedError(
      `redis: the cluster at ${config.redisNodes.map(formatHostPort).join(', ')} did not reach cluster_state:ok`,
    );
  context.progress(
    `redis: cluster ready (${config.redisNodes.length} masters, all slots assigned)`,
  );
}

/** CLUSTER INFO of one node as a map; empty when the node does not answer. */
async function clusterInfo(node: HostPort): Promise<Map<string, string>> {
  const client = new Redis(`redis://${formatHostPort(node)}`, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const text = (await client.call('CLUSTER', 'INFO')) as string;
    return new Map(
      text
        .split(/\r?\n/)
        .filter((line) => line.includes(':'))
        .map((line) => line.split(':', 2) as [string, string]),
    );
  } catch {
    return new Map();
  } finally {
    client.disconnect();
  }
}
