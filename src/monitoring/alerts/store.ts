import type { Redis } from 'ioredis';
import type { MonitorKeys } from '../keys.ts';
import type { AlertEvent, AlertState } from './types.ts';

/*
 * Writes happen only while the caller's token holds the monitor lease, checked inside Redis in
 * the same script: a monitor that lost its lease (paused, partitioned) cannot record a
 * transition, and the engine notifies only what it recorded.
 * KEYS: lease, alerts hash, history list. ARGV: token, history limit, count of states to set,
 * then id/json pairs, count of ids to delete, the ids, then event JSONs.
 */
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local deletes = tonumber(ARGV[i])
i = i + 1
for _ = 1, deletes do
  redis.call('HDEL', KEYS[2], ARGV[i])
  i = i + 1
end
local pushed = false
while i <= #ARGV do
  redis.call('LPUSH', KEYS[3], ARGV[i])
  pushed = true
  i = i + 1
end
if pushed then redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[2]) - 1) end
return 1`;

/** Alert state and history in Redis. Reads are open to anyone (API, `strata status`). */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: MonitorKeys,
    private readonly historyLimit = 1000,
  ) {}

  async states(): Promise<AlertState[]> {
    const hash = await this.redis.hgetall(this.keys.alerts());
    return Object.values(hash).map((json) => JSON.parse(json) as AlertState);
  }

  /** Newest first. */
  async history(limit = 100): Promise<AlertEvent[]> {
    const raw = await this.redis.lrange(this.keys.alertHistory(), 0, Math.max(0, limit - 1));
    return raw.map((json) => JSON.parse(json) as AlertEvent);
  }

  /** Applies the changes atomically if `token` holds the lease; false otherwise (nothing written). */
  async commit(
    token: string,
    changes: { set: AlertState[]; remove: string[]; events: AlertEvent[] },
  ): Promise<boolean> {
    const args: string[] = [token, String(this.historyLimit), String(changes.set.length)];
    for (const state of changes.set) args.push(state.id, JSON.stringify(state));
    args.push(String(changes.remove.length), ...changes.remove);
    // LPUSH in order leaves the newest event at the head.
    for (const event of changes.events) args.push(JSON.stringify(event));
    const result = await this.redis.eval(
      COMMIT,
      3,
      this.keys.lease(),
      this.keys.alerts(),
      this.keys.alertHistory(),
      ...args,
    );
    return result === 1;
  }
}
