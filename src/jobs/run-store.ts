import { createHash, randomBytes } from 'node:crypto';
import type { AssetGraph } from '../graph/graph.ts';
import type { RedisKeys } from './keys.ts';
import { LEASE_LOG_RETAIN } from '../redis/lease.ts';
import {
  cancelRunScript,
  claimAssetScript,
  createRunScript,
  finishAssetScript,
  runKeyList,
  trimRunIndexesScript,
} from './lua/run-scripts.ts';
import type { RedisClient } from '../redis/connection.ts';
import {
  RUN_ID,
  runAssetInfoSchema,
  runMetaSchema,
  type AssetRunState,
  type MaterializationRecord,
  type RunAsset,
  type RunAssetInfo,
  type RunDbtOptions,
  type RunEvent,
  type RunMeta,
  type RunRecord,
  type RunStatus,
} from './run-model.ts';

export interface NewRun {
  selection: string;
  trigger: RunMeta['trigger'];
  reason?: string;
  /** The selected assets; only dependencies among them order the run. */
  assets: readonly string[];
  /**
   * A deterministic run id (see runIdFor) makes creation idempotent: when that run exists,
   * nothing is created and `create` reports it with `created: false`.
   */
  id?: string;
  dbt?: RunDbtOptions;
}

export interface FinishAsset {
  runId: string;
  asset: string;
  /** `cancelled`: the run was cancelled while the asset ran, and its materializer was aborted. */
  outcome: 'succeeded' | 'failed' | 'cancelled';
  /** The lease held for the asset (checked, then released); undefined skips fencing (the job is already gone). */
  lease: { token: string; fence: number } | undefined;
  /** The materialization, which also serves as the run's per-asset info. */
  record?: MaterializationRecord;
  /** Per-asset info when there is no record (a failure no materialization got to). */
  info?: RunAssetInfo;
  blockedReason?: string;
}

export type ClaimResult =
  | { kind: 'running'; fence: number; leaseStartedAt: number }
  | { kind: 'lease_busy' }
  | { kind: 'not_startable'; state: string };

export type FinishResult =
  | { kind: 'ok'; runStatus: RunStatus | undefined; ready: string[]; skipped: string[] }
  | { kind: 'stale'; state: string }
  | { kind: 'lease_lost'; state: string };

/**
 * Run state in Redis: creation, per-asset transitions (atomic, in Lua) and reads. Knows nothing
 * of BullMQ: the caller enqueues what `create` and `finish` report as ready.
 */
/** Rounds of trimming per creation (see trimIndexes). */
const MAX_TRIM_ROUNDS = 10;

export class RunStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly retainPerAsset: number,
  ) {}

  async create(
    run: NewRun,
    graph: AssetGraph,
    now = Date.now(),
  ): Promise<{ runId: string; roots: string[]; created: boolean }> {
    const runId = run.id ?? newRunId(now);
    const ordered = graph.sort(run.assets);
    const inRun = new Set(ordered);
    const args: (string | number)[] = [];
    for (const asset of ordered) {
      const upstream = graph.depsOf(asset).filter((d) => inRun.has(d)).length;
      const dependents = graph.dependentsOf(asset).filter((d) => inRun.has(d));
      args.push(asset, upstream, dependents.join(' '));
    }
    const meta: RunMeta = {
      selection: run.selection,
      trigger: run.trigger,
      reason: run.reason,
      assets: ordered,
      dbt: run.dbt,
    };
    const indexes = ordered.map((asset) => this.keys.assetRuns(asset));
    const [outcome, ...rest] = (await createRunScript.run(
      this.redis,
      [...runKeyList(this.keys, runId), this.keys.runs(), ...indexes],
      [runId, now, this.retainPerAsset, JSON.stringify(meta), ordered.length, ...args],
    )) as string[];
    if (outcome !== 'created') return { runId, roots: rest, created: false };
    const rootCount = Number(rest[0]);
    await this.trimIndexes(indexes, rest.slice(1 + rootCount));
    return { runId, roots: rest.slice(1, 1 + rootCount), created: true };
  }

  /**
   * Evicts the runs a creation pushed out of full per-asset indexes: only the script finds
   * them, so it names them and they are trimmed here with their keys declared. Runs created
   * meanwhile may push out more; each round declares what the last one named. Should rounds run
   * out, the indexes stay a little over retainPerAsset until the next creation trims them.
   */
  private async trimIndexes(indexes: readonly string[], victims: string[]): Promise<void> {
    for (let round = 0; victims.length > 0 && round < MAX_TRIM_ROUNDS; round++) {
      victims = (await trimRunIndexesScript.run(
        this.redis,
        [this.keys.runs(), ...indexes, ...victims.flatMap((id) => runKeyList(this.keys, id))],
        [this.retainPerAsset, indexes.length, ...victims],
      )) as string[];
    }
  }

  /**
   * Takes the asset's lease (token, TTL) and marks the asset running, atomically: either both
   * happen or neither. The lease is the caller's to renew and release.
   */
  async claim(
    runId: string,
    asset: string,
    info: RunAssetInfo,
    leaseToken: string,
    leaseTtlMs: number,
  ): Promise<ClaimResult> {
    const reply = (await claimAssetScript.run(
      this.redis,
      [
        ...runKeyList(this.keys, runId),
        this.keys.lease(asset),
        this.keys.leaseFence(asset),
        this.keys.leaseLog(asset),
      ],
      [
        asset,
        info.startedAt ?? Date.now(),
        JSON.stringify(info),
        leaseToken,
        leaseTtlMs,
        LEASE_LOG_RETAIN,
      ],
    )) as [string, number?, number?];
    const [state, fence, leaseStartedAt] = reply;
    if (state === 'running')
      return { kind: 'running', fence: Number(fence), leaseStartedAt: Number(leaseStartedAt) };
    if (state === 'lease_busy') return { kind: 'lease_busy' };
    return { kind: 'not_startable', state };
  }

  async finish(f: FinishAsset, now = Date.now()): Promise<FinishResult> {
    const reply = (await finishAssetScript.run(
      this.redis,
      [
        ...runKeyList(this.keys, f.runId),
        this.keys.runs(),
        this.keys.lease(f.asset),
        this.keys.leaseLog(f.asset),
        this.keys.asset(f.asset),
        this.keys.materializations(f.asset),
        this.keys.assetEvents(),
      ],
      [
        f.runId,
        f.asset,
        now,
        f.outcome,
        f.lease?.token ?? '',
        f.record ? '' : JSON.stringify(f.info ?? {}),
        f.record ? JSON.stringify(f.record) : '',
        this.retainPerAsset,
        f.record?.dataTime ?? '',
        f.blockedReason ?? '',
        f.lease?.fence ?? '',
      ],
    )) as string[];
    const [kind, second] = reply;
    if (kind === 'lease_lost') return { kind, state: second ?? 'missing' };
    if (kind !== 'ok') return { kind: 'stale', state: second ?? 'missing' };
    const readyCount = Number(reply[2]);
    return {
      kind: 'ok',
      runStatus: second ? (second as RunStatus) : undefined,
      ready: reply.slice(3, 3 + readyCount),
      skipped: reply.slice(3 + readyCount),
    };
  }

  async cancel(runId: string): Promise<string> {
    return (await cancelRunScript.run(
      this.redis,
      [...runKeyList(this.keys, runId), this.keys.runs()],
      [runId, Date.now()],
    )) as string;
  }

  async assetState(runId: string, asset: string): Promise<AssetRunState | undefined> {
    return ((await this.redis.hget(this.keys.runState(runId), asset)) ?? undefined) as
      AssetRunState | undefined;
  }

  /**
   * Dependents already marked queued. After a crash between `finish` and the enqueue, the re-run
   * job enqueues these again; deterministic job ids make that a no-op when they were enqueued.
   */
  async queuedDependents(runId: string, asset: string): Promise<string[]> {
    const dependents =
      (await this.redis.hget(this.keys.runDependents(runId), asset))?.split(' ') ?? [];
    if (dependents.length === 0) return [];
    const states = await this.redis.hmget(this.keys.runState(runId), ...dependents);
    return dependents.filter((_, i) => states[i] === 'queued');
  }

  async emit(
    runId: string,
    type: string,
    asset: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await this.redis.xadd(
      this.keys.runEvents(runId),
      'MAXLEN',
      '~',
      10_000,
      '*',
      'type',
      type,
      'asset',
      asset,
      'detail',
      JSON.stringify(detail),
      'at',
      Date.now(),
    );
  }

  /** Selection, trigger and reason of a run, without its per-asset state. */
  async meta(runId: string): Promise<RunMeta | undefined> {
    const raw = await this.redis.hget(this.keys.run(runId), 'meta');
    return raw ? runMetaSchema.parse(JSON.parse(raw)) : undefined;
  }

  /** Just the status: cheap enough to poll. */
  async status(runId: string): Promise<RunStatus | undefined> {
    return ((await this.redis.hget(this.keys.run(runId), 'status')) ?? undefined) as
      RunStatus | undefined;
  }

  /** Whether someone asked to cancel the run: cheap enough for running jobs to poll. */
  async cancelRequested(runId: string): Promise<boolean> {
    return (await this.redis.hget(this.keys.run(runId), 'cancelRequested')) === '1';
  }

  /** The run's assets in one state, e.g. the queued ones to enqueue again. */
  async assetsIn(runId: string, state: AssetRunState): Promise<string[]> {
    const states = await this.redis.hgetall(this.keys.runState(runId));
    return Object.entries(states)
      .filter(([, s]) => s === state)
      .map(([asset]) => asset);
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    if (!RUN_ID.test(runId)) return undefined;
    const [run, states, infos] = await Promise.all([
      this.redis.hgetall(this.keys.run(runId)),
      this.redis.hgetall(this.keys.runState(runId)),
      this.redis.hgetall(this.keys.runInfo(runId)),
    ]);
    if (!run.id) return undefined;
    return toRunRecord(run, states, infos);
  }

  /** The newest runs first. */
  async list(limit: number): Promise<RunRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.runs(), 0, Math.max(0, limit - 1));
    const runs = await Promise.all(ids.map((id) => this.get(id)));
    return runs.filter((r): r is RunRecord => r !== undefined);
  }

  /**
   * Events after `afterId` ('0' = from the start). With `blockMs`, waits that long for the first
   * one; pass a dedicated `redis` then, since a blocked connection serves nobody else.
   */
  async events(
    runId: string,
    afterId: string,
    options: { blockMs?: number; redis?: RedisClient } = {},
  ): Promise<RunEvent[]> {
    const redis = options.redis ?? this.redis;
    const stream = this.keys.runEvents(runId);
    const reply =
      options.blockMs === undefined
        ? await redis.xread('COUNT', 1000, 'STREAMS', stream, afterId)
        : await redis.xread('COUNT', 1000, 'BLOCK', options.blockMs, 'STREAMS', stream, afterId);
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => toEvent(id, fields));
  }
}

export function newRunId(now: number): string {
  return `run-${runStamp(now)}-${randomBytes(4).toString('hex')}`;
}

/** The run id for a unique event (a schedule tick's job id): the same event, the same run. */
export function runIdFor(event: string, at: number): string {
  return `run-${runStamp(at)}-${createHash('sha256').update(event).digest('hex').slice(0, 12)}`;
}

function runStamp(at: number): string {
  return new Date(at).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function toRunRecord(
  run: Record<string, string>,
  states: Record<string, string>,
  infos: Record<string, string>,
): RunRecord {
  const meta = runMetaSchema.parse(JSON.parse(run.meta ?? '{}'));
  const assetStates: RunAsset[] = meta.assets.map((key) => ({
    key,
    state: (states[key] ?? 'pending') as AssetRunState,
    info: infos[key] ? runAssetInfoSchema.parse(JSON.parse(infos[key])) : {},
  }));
  return {
    id: run.id ?? '',
    ...meta,
    status: run.status as RunStatus,
    createdAt: Number(run.createdAt),
    startedAt: run.startedAt ? Number(run.startedAt) : undefined,
    endedAt: run.endedAt ? Number(run.endedAt) : undefined,
    assetStates,
  };
}

function toEvent(id: string, fields: string[]): RunEvent {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2)
    map.set(fields[i] as string, fields[i + 1] as string);
  const asset = map.get('asset');
  return {
    id,
    type: map.get('type') ?? 'unknown',
    asset: asset ? asset : undefined,
    detail: JSON.parse(map.get('detail') ?? '{}') as Record<string, unknown>,
    at: Number(map.get('at')),
  };
}
