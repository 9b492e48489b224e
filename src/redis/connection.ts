import { Redis } from 'ioredis';
import { TransientError, errorMessage } from '../shared/errors.ts';

export type { Redis };

/**
 * A Redis connection that is ready to use, or a clear error. `maxRetriesPerRequest: null` is
 * what BullMQ requires of connections it shares, and lets commands wait out a Redis restart.
 */
export async function connectRedis(
  url: string,
  options: { connectTimeoutMs?: number } = {},
): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
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
    throw new TransientError(`cannot reach Redis at ${redactUrl(url)}: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Closes politely, or drops the socket when Redis is gone; safe to call twice. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
