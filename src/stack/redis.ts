import fs from 'node:fs';
import { Redis } from 'ioredis';
import { formatHostPort, type StackConfig, type StackPaths } from './config.ts';
import { REDIS, type Prerequisite } from './prerequisites.ts';
import { serverAt, type ServerService } from './service.ts';

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

export function redisService(config: StackConfig, paths: StackPaths): ServerService {
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
