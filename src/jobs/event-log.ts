import type { RedisKeys } from './keys.ts';
import type { RedisClient } from '../redis/connection.ts';
import { materializationSchema, type MaterializationRecord } from './run-model.ts';

/** The latest state of one asset, kept beside its materialization history. */
export interface AssetSummary {
  key: string;
  lastRunId?: string;
  lastStatus?: 'succeeded' | 'failed';
  lastMaterializedAt?: number;
  lastSuccessAt?: number;
  /** Data time of the latest successful materialization. */
  dataTime: number | null;
  /** An error failure blocks downstream automation until a later materialization passes. */
  blocked: boolean;
  blockedReason?: string;
  blockedRunId?: string;
}

/**
 * Reads of the per-asset event log. Writes happen only inside the run-state scripts, fenced by
 * the asset's lease, so a worker that lost its lease cannot record a stale materialization.
 */
export class EventLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async summaries(keys: readonly string[]): Promise<Map<string, AssetSummary>> {
    const hashes = await Promise.all(keys.map((k) => this.redis.hgetall(this.keys.asset(k))));
    return new Map(keys.map((k, i) => [k, toSummary(k, hashes[i] ?? {})]));
  }

  /** Newest first. */
  async materializations(key: string, limit = 20): Promise<MaterializationRecord[]> {
    const raw = await this.redis.lrange(this.keys.materializations(key), 0, Math.max(0, limit - 1));
    return raw.map((r) => materializationSchema.parse(JSON.parse(r)));
  }

  /** Data time of each asset's latest successful materialization (null when never or unknown). */
  async dataTimes(keys: readonly string[]): Promise<Map<string, number | null>> {
    if (keys.length === 0) return new Map();
    const values = await Promise.all(
      keys.map((k) => this.redis.hget(this.keys.asset(k), 'dataTime')),
    );
    return new Map(keys.map((k, i) => [k, parseTime(values[i])]));
  }

  /** For the scheduler: whether automation must not materialize anything downstream of `key`. */
  async isBlocked(key: string): Promise<boolean> {
    return (await this.redis.hget(this.keys.asset(key), 'blocked')) === '1';
  }

  /** The blocked assets among `keys`, with the reason each is blocked. */
  async blockedAssets(keys: readonly string[]): Promise<Map<string, string>> {
    const summaries = await this.summaries(keys);
    const blocked = new Map<string, string>();
    for (const [key, s] of summaries) if (s.blocked) blocked.set(key, s.blockedReason ?? 'failed');
    return blocked;
  }
}

function toSummary(key: string, hash: Record<string, string>): AssetSummary {
  return {
    key,
    lastRunId: hash.lastRunId || undefined,
    lastStatus: (hash.lastStatus as AssetSummary['lastStatus']) || undefined,
    lastMaterializedAt: parseTime(hash.lastMaterializedAt) ?? undefined,
    lastSuccessAt: parseTime(hash.lastSuccessAt) ?? undefined,
    dataTime: parseTime(hash.dataTime),
    blocked: hash.blocked === '1',
    blockedReason: hash.blockedReason || undefined,
    blockedRunId: hash.blockedRunId || undefined,
  };
}

function parseTime(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
