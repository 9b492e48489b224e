import type { LoadedPipeline } from '../config/load.ts';
import type { SchedulerSettings } from '../config/types.ts';
import type { RedisKeys } from '../jobs/keys.ts';
import { materializationSchema, type MaterializationRecord } from '../jobs/run-model.ts';
import type { RedisClient } from '../redis/connection.ts';
import { failuresToReachMax } from './backoff.ts';
import type { AssetState, Decision } from './evaluate.ts';
import type { SchedulerKeys } from './keys.ts';

/**
 * Materializations read per asset: the newest start, recent durations, the failure streak (read
 * further back, only for assets whose RECENT newest all failed: restOfStreaks).
 */
const RECENT = 5;
/** Decisions kept in the history list. */
const DECISIONS_KEPT = 1_000;
const IN_FLIGHT_STATES = new Set(['pending', 'queued', 'running']);

export interface AutomationSnapshot {
  state: Map<string, AssetState>;
  /** Distinct automated runs with an asset still pending, queued or running. */
  runningAutomatedRuns: number;
  /** Redis commands the read took (the benchmark reports them apart from evaluation). */
  commands: number;
}

export interface StoredDecision extends Decision {
  at: number;
}

/**
 * The scheduler's view of Redis: what evaluation needs about every automated asset and its
 * upstream (one round trip for the scheduler's own hashes, one pipelined round trip for the
 * in-flight runs' states, summaries and recent materializations), and the memory the scheduler
 * keeps between evaluations.
 */
export class AutomationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly schedulerKeys: SchedulerKeys,
  ) {}

  /**
   * readOnly: leave the in-flight memory as it is (for `strata plan`).
   *
   * The in-flight runs' states are read before the asset summaries, in the same pipeline. A
   * run's end writes its state and the asset's summary in one script, so a run seen ended here
   * is always paired with the data it produced; read the other way round, a run ending between
   * the two reads looked ended while the summary still held the data from before it, and the
   * asset was requested again at once.
   */
  async snapshot(
    pipeline: LoadedPipeline,
    options: { readOnly?: boolean } = {},
  ): Promise<AutomationSnapshot> {
    const assets = pipeline.graph.order;
    const [requested, inflight] = await Promise.all([
      this.redis.hgetall(this.schedulerKeys.requested()),
      this.redis.hgetall(this.schedulerKeys.inflight()),
    ]);
    const inflightEntries = Object.entries(inflight);
    const read = this.redis.pipeline();
    for (const [asset, runId] of inflightEntries) read.hget(this.keys.runState(runId), asset);
    for (const key of assets) {
      read.hgetall(this.keys.asset(key));
      read.lrange(this.keys.materializations(key), 0, RECENT - 1);
    }
    const replies = (await read.exec()) ?? [];
    const value = <T>(i: number): T => replies[i]?.[1] as T;
    const running = await this.stillInFlight(
      inflightEntries.map(([asset, runId], i) => ({ asset, runId, state: value(i) })),
      options.readOnly ?? false,
    );

    const first = inflightEntries.length;
    const recent = new Map(
      assets.map((key, i) => [key, value<string[]>(first + i * 2 + 1).flatMap(parseRecord)]),
    );
    const older = await this.restOfStreaks(recent, pipeline.scheduler.backoff);

    const state = new Map<string, AssetState>();
    assets.forEach((key, i) => {
      const summary = value<Record<string, string>>(first + i * 2);
      const records = recent.get(key) ?? [];
      const streak = [...records, ...(older.get(key) ?? [])];
      state.set(key, assetState(summary, records, streak, running.has(key), num(requested[key])));
    });
    const runs = new Set([...running.values()]);
    return {
      state,
      runningAutomatedRuns: runs.size,
      commands:
        2 +
        inflightEntries.length +
        assets.length * 2 +
        (running.size < first ? 1 : 0) +
        older.size,
    };
  }

  /**
   * Back-off doubles per consecutive failure up to `backoff.max`, which takes more failures than
   * RECENT with the defaults (7: 30s doubling to 30m). For assets whose RECENT newest records all
   * failed, reads the older records the streak can still need (one more round trip, only then).
   */
  private async restOfStreaks(
    recent: ReadonlyMap<string, MaterializationRecord[]>,
    backoff: SchedulerSettings['backoff'],
  ): Promise<Map<string, MaterializationRecord[]>> {
    const needed = failuresToReachMax(backoff);
    const failing = [...recent]
      .filter(([, records]) => records.length === RECENT && records.every(isFailure))
      .map(([key]) => key);
    if (needed <= RECENT || failing.length === 0) return new Map();
    const read = this.redis.pipeline();
    for (const key of failing) read.lrange(this.keys.materializations(key), RECENT, needed - 1);
    const replies = (await read.exec()) ?? [];
    return new Map(
      failing.map((key, i) => [key, ((replies[i]?.[1] as string[]) ?? []).flatMap(parseRecord)]),
    );
  }

  /** Automated runs in which each asset is still pending, queued or running; forgets the rest. */
  private async stillInFlight(
    entries: ReadonlyArray<{ asset: string; runId: string; state: unknown }>,
    readOnly: boolean,
  ): Promise<Map<string, string>> {
    const running = new Map<string, string>();
    const done: string[] = [];
    for (const { asset, runId, state } of entries) {
      if (typeof state === 'string' && IN_FLIGHT_STATES.has(state)) running.set(asset, runId);
      else done.push(asset);
    }
    if (done.length > 0 && !readOnly) await this.redis.hdel(this.schedulerKeys.inflight(), ...done);
    return running;
  }

  /** Remembers a submitted automated run: its assets are in flight until they end in it. */
  async recordRequest(runId: string, assets: readonly string[], at: number): Promise<void> {
    const write = this.redis.multi();
    for (const asset of assets) {
      write.hset(this.schedulerKeys.inflight(), asset, runId);
      write.hset(this.schedulerKeys.requested(), asset, at);
    }
    await write.exec();
  }

  /**
   * Stores every decision as the asset's latest (fresh text each pass: status shows current
   * ages), and appends to the history only the real changes (see changedDecisions), so a
   * steady state adds nothing however often it is evaluated. Returns those changes.
   */
  async recordDecisions(decisions: readonly Decision[], at: number): Promise<StoredDecision[]> {
    if (decisions.length === 0) return [];
    const previous = await this.redis.hmget(
      this.schedulerKeys.decision(),
      ...decisions.map((d) => d.asset),
    );
    const before = previous.map((raw) => (raw ? (JSON.parse(raw) as StoredDecision) : undefined));
    const changed = changedDecisions(before, decisions).map((d) => ({ ...d, at }));
    const write = this.redis.multi();
    write.hset(
      this.schedulerKeys.decision(),
      Object.fromEntries(decisions.map((d) => [d.asset, JSON.stringify({ ...d, at })])),
    );
    if (changed.length > 0) {
      write.lpush(this.schedulerKeys.decisions(), ...changed.map((d) => JSON.stringify(d)));
      write.ltrim(this.schedulerKeys.decisions(), 0, DECISIONS_KEPT - 1);
    }
    await write.exec();
    return changed;
  }

  async latestDecisions(): Promise<Map<string, StoredDecision>> {
    const all = await this.redis.hgetall(this.schedulerKeys.decision());
    return new Map(Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as StoredDecision]));
  }

  async decisionHistory(limit = 100): Promise<StoredDecision[]> {
    const raw = await this.redis.lrange(this.schedulerKeys.decisions(), 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as StoredDecision);
  }
}

/**
 * The decisions that are news, given each asset's previous one (same order): every request, and
 * any other whose action, trigger or reason changed. Reasons are compared in their stable form
 * (decisionSignature), so "data 12s old" becoming "data 14s old" is not a change.
 */
export function changedDecisions(
  previous: ReadonlyArray<Decision | undefined>,
  decisions: readonly Decision[],
): Decision[] {
  return decisions.filter((d, i) => {
    const before = previous[i];
    return d.action === 'request' || !before || decisionSignature(before) !== decisionSignature(d);
  });
}

/**
 * A decision with the numbers of its reason (ages, durations, counts, timestamps) replaced by
 * `#`: what stays the same while time passes. Only tokens that start a word are replaced, so
 * asset names with digits in them (`prices_v2`) still tell decisions apart.
 */
export function decisionSignature(d: Pick<Decision, 'action' | 'trigger' | 'reason'>): string {
  return `${d.action} ${d.trigger ?? '-'} ${d.reason.replace(NUMERIC_TOKEN, '#')}`;
}

/** 12s, 2h5m, 30ms, 4, 1.5, 2026-12-01T07:55:00Z, 2026-12-01T07:55:00.000Z. */
const NUMERIC_TOKEN = /\b\d[\d.:TZdhms-]*\b/g;

/** `recent`: the RECENT newest records; `streak`: those and, when all failed, older ones. */
function assetState(
  summary: Record<string, string>,
  recent: MaterializationRecord[],
  streak: MaterializationRecord[],
  inFlight: boolean,
  lastRequestedAt: number | null,
): AssetState {
  const failures = failureStreak(streak);
  const newest = recent[0];
  const lastSuccessAt = num(summary.lastSuccessAt);
  const observedAt = num(summary.observedAt);
  return {
    dataTime: num(summary.dataTime),
    lastNewDataAt: maxOf(lastSuccessAt, observedAt),
    lastStartedAt: newest?.startedAt ?? null,
    failures,
    lastFailedAt: failures > 0 ? (newest?.endedAt ?? null) : null,
    blocked: summary.blocked === '1',
    blockedReason: summary.blockedReason || undefined,
    inFlight,
    lastRequestedAt,
    recentDurationsMs: recent
      .filter((r) => r.status === 'succeeded')
      .map((r) => r.endedAt - r.startedAt),
  };
}

/** Consecutive failed materializations, counted from the newest. */
export function failureStreak(records: readonly MaterializationRecord[]): number {
  const firstOther = records.findIndex((r) => !isFailure(r));
  return firstOther === -1 ? records.length : firstOther;
}

function isFailure(record: MaterializationRecord): boolean {
  return record.status === 'failed';
}

function parseRecord(raw: string): MaterializationRecord[] {
  const parsed = materializationSchema.safeParse(JSON.parse(raw));
  return parsed.success ? [parsed.data] : [];
}

function num(value: string | undefined | null): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
