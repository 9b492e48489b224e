import type { RedisClient } from '../redis/connection.ts';

/**
 * A position in a sorted set ordered by (score, member), the order Redis keeps: members with
 * equal scores sort by their bytes. Periodic sweeps keep one in Redis, so each member is
 * visited once however long no process ran, instead of a look-back window that forgets.
 */
export interface ZsetCursor {
  score: number;
  member: string;
}

/**
 * Members after `cursor` with a score up to `upTo`, in order: first those sharing the cursor's
 * score with a greater member (one script can add many members with one timestamp, more than a
 * batch), then up to `batch` with a greater score.
 */
export async function membersAfter(
  redis: RedisClient,
  key: string,
  cursor: ZsetCursor | null,
  upTo: number,
  batch: number,
): Promise<ZsetCursor[]> {
  const found: ZsetCursor[] = [];
  if (cursor !== null) {
    // Members here are ASCII (job and run ids), so JavaScript's < agrees with Redis's order.
    for (const member of await redis.zrangebyscore(key, cursor.score, cursor.score))
      if (member > cursor.member) found.push({ score: cursor.score, member });
    if (cursor.score >= upTo) return found;
  }
  const from = cursor === null ? '-inf' : `(${cursor.score}`;
  const reply = await redis.zrangebyscore(key, from, upTo, 'WITHSCORES', 'LIMIT', 0, batch);
  for (let i = 0; i + 1 < reply.length; i += 2)
    found.push({ member: reply[i] as string, score: Number(reply[i + 1]) });
  return found;
}

/**
 * The cursor stored at `key`, or null before the first sweep (start at the beginning).
 * Cursors are plain strings written with SET: two processes racing may move one back, which
 * only repeats idempotent work; a cursor only ever moves past members its writer handled.
 */
export async function readCursor(redis: RedisClient, key: string): Promise<ZsetCursor | null> {
  const value = await redis.get(key);
  if (value === null) return null;
  const space = value.indexOf(' ');
  const score = Number(value.slice(0, space));
  if (space < 0 || !Number.isFinite(score)) return null;
  return { score, member: value.slice(space + 1) };
}

export async function writeCursor(
  redis: RedisClient,
  key: string,
  cursor: ZsetCursor,
): Promise<void> {
  await redis.set(key, `${cursor.score} ${cursor.member}`);
}
