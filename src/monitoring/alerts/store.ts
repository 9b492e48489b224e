import type { RedisClient } from '../../redis/connection.ts';
import { LuaScript } from '../../redis/lua-script.ts';
import type { MonitorKeys } from '../keys.ts';
import type { AlertEvent, AlertState } from './types.ts';

/** Writes alert changes while the caller holds the monitor lease (see commit.lua). */
const commitScript = LuaScript.fromFiles('alertsCommit', [
  new URL('./commit.lua', import.meta.url),
]);

/** Alert state and history in Redis. Reads are open to anyone (API, `strata status`). */
export class AlertStore {
  constructor(
    private readonly redis: RedisClient,
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
    const result = await commitScript.run(
      this.redis,
      [this.keys.lease(), this.keys.alerts(), this.keys.alertHistory()],
      args,
    );
    return result === 1;
  }
}
