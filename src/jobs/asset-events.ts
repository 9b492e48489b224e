import type { RedisClient } from '../redis/connection.ts';
import { LuaScript } from '../redis/lua-script.ts';
import type { RedisKeys } from './keys.ts';

/**
 * The asset event stream: one entry per materialization (written by the run-state finish script,
 * atomically with the record) and per observation (new data seen without a materialization, such
 * as ingest landing objects). The scheduler follows it to react within milliseconds instead of
 * re-scanning the graph. Entries carry an empty `partition` today; daily partitions will fill it.
 */
export interface AssetEvent {
  /** Stream entry id, to resume reading after it. */
  id: string;
  type: 'materialization' | 'observation';
  asset: string;
  partition: string;
  /** For materializations. */
  status?: 'succeeded' | 'failed';
  runId?: string;
  /** Newest data the event reflects (ms since epoch), null when unknown. */
  dataTime: number | null;
  at: number;
}

/** Events kept in the stream: enough for a scheduler that restarts within minutes to catch up. */
const STREAM_MAX = 10_000;

/** Records an observation (see observe-asset.lua). */
const observeScript = LuaScript.fromFiles('observeAsset', [
  new URL('./observe-asset.lua', import.meta.url),
]);

export class AssetEventStream {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Records that `asset` has data up to `dataTime`, seen outside any run. */
  async observe(asset: string, dataTime: number, now = Date.now()): Promise<void> {
    await observeScript.run(
      this.redis,
      [this.keys.asset(asset), this.keys.assetEvents()],
      [dataTime, now, '', STREAM_MAX, asset],
    );
  }

  /** The id of the newest entry, to start following from now ('0-0' when empty). */
  async latestId(): Promise<string> {
    const [entry] = await this.redis.xrevrange(this.keys.assetEvents(), '+', '-', 'COUNT', 1);
    return entry?.[0] ?? '0-0';
  }

  /**
   * Events after `cursor`, waiting up to `blockMs` for the first one. Pass a dedicated
   * connection when blocking: XREAD BLOCK holds it.
   */
  async read(
    cursor: string,
    options: { blockMs?: number; count?: number; redis?: RedisClient } = {},
  ): Promise<AssetEvent[]> {
    const redis = options.redis ?? this.redis;
    const count = options.count ?? 1_000;
    const stream = this.keys.assetEvents();
    const reply =
      options.blockMs === undefined
        ? await redis.xread('COUNT', count, 'STREAMS', stream, cursor)
        : await redis.xread('COUNT', count, 'BLOCK', options.blockMs, 'STREAMS', stream, cursor);
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => toEvent(id, fields));
  }
}

function toEvent(id: string, fields: string[]): AssetEvent {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i] ?? '', fields[i + 1] ?? '');
  const dataTime = Number(f.get('dataTime') || NaN);
  const status = f.get('status');
  return {
    id,
    type: f.get('type') === 'observation' ? 'observation' : 'materialization',
    asset: f.get('asset') ?? '',
    partition: f.get('partition') ?? '',
    status: status === 'succeeded' || status === 'failed' ? status : undefined,
    runId: f.get('runId') || undefined,
    dataTime: Number.isFinite(dataTime) ? dataTime : null,
    at: Number(f.get('at') ?? 0),
  };
}
