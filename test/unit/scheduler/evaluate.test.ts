import { describe, expect, it } from 'vitest';
import { parsePipeline, type LoadedPipeline } from '../../../src/config/index.ts';
import {
  EMPTY_STATE,
  evaluateAutomation,
  type AssetState,
  type Decision,
  type Evaluation,
} from '../../../src/scheduler/evaluate.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const SECOND = 1_000;
const MINUTE = 60 * SECOND;

const load = (text: string): LoadedPipeline => parsePipeline(text, '/tmp/pipeline.yaml', {});

function state(overrides: Partial<AssetState> = {}): AssetState {
  return { ...EMPTY_STATE, ...overrides };
}

/** A materialized asset: data of `age` ago, its run started and ended then. */
function materialized(ageMs: number, overrides: Partial<AssetState> = {}): AssetState {
  const at = NOW - ageMs;
  return state({
    dataTime: at,
    lastNewDataAt: at,
    lastStartedAt: at,
    recentDurationsMs: [10 * SECOND],
    ...overrides,
  });
}

function evaluate(
  pipeline: LoadedPipeline,
  states: Record<string, AssetState>,
  options: { now?: number; runningAutomatedRuns?: number } = {},
): Evaluation {
  return evaluateAutomation({
    now: options.now ?? NOW,
    graph: pipeline.graph,
    assets: pipeline.assets,
    state: new Map(Object.entries(states)),
    settings: pipeline.scheduler,
    runningAutomatedRuns: options.runningAutomatedRuns ?? 0,
  });
}

const decisionOf = (result: Evaluation, asset: string): Decision | undefined =>
  result.decisions.find((d) => d.asset === asset);

/** batches (source) -> crypto_raw -> crypto_curated, the shipped chain in small. */
const CHAIN = load(`version: 1
scheduler: { tick: 15s }
assets:
  batches:
    kind: noop
  crypto_raw:
    kind: noop
    deps: [batches]
    freshness: { failAfter: 3h }
  crypto_curated:
    kind: noop
    deps: [crypto_raw]
    freshness: { failAfter: 2h }
`);

describe('evaluateAutomation: freshness chains', () => {
  it('an upstream asset pulled into a run for a dependent is a request that says why', () => {
    const result = evaluate(CHAIN, {
      batches: materialized(10 * SECOND),
      crypto_raw: materialized(119 * MINUTE + 30 * SECOND),
      crypto_curated: materialized(119 * MINUTE + 30 * SECOND),
    });
    expect(result.requests).toEqual([
      {
        assets: ['crypto_raw', 'crypto_curated'],
        trigger: 'freshness',
        reason:
          'crypto_raw: needed by crypto_curated; ' +
          'crypto_curated: data 1h59m old, fail after 2h; needs crypto_raw (data 1h59m old)',
      },
    ]);
    // Not "SKIP crypto_raw fresh: ..." beside a run that includes it.
    expect(decisionOf(result, 'crypto_raw')).toEqual({
      asset: 'crypto_raw',
      action: 'request',
      trigger: 'freshness',
      reason:
        'needed by crypto_curated: data 1h59m old, fail after 2h; needs crypto_raw (data 1h59m old)',
    });
    // Decisions stay in dependency order.
    expect(result.decisions.map((d) => d.asset)).toEqual(['crypto_raw', 'crypto_curated']);
  });
});

/** root -> b -> c, both dependents automated on upstream data only. */
const UPSTREAM = (bAutomation = ''): LoadedPipeline =>
  load(`version: 1
assets:
  root: { kind: noop }
  b:
    kind: noop
    deps: [root]
    automation: { onUpstream: true, onFreshness: false${bAutomation} }
  c:
    kind: noop
    deps: [b]
    automation: { onUpstream: true, onFreshness: false }
`);

/** root got new data 5s ago; b and c last ran 10 minutes ago. */
const NEW_ROOT_DATA = {
  root: materialized(5 * SECOND),
  b: materialized(10 * MINUTE),
  c: materialized(10 * MINUTE),
};

describe('evaluateAutomation: upstream automation', () => {
  it('requests a dependent when an upstream asset has data newer than its latest start, and chains its dependents into the same run', () => {
    const result = evaluate(UPSTREAM(), NEW_ROOT_DATA);
    expect(result.requests).toEqual([
      {
        assets: ['b', 'c'],
        trigger: 'upstream',
        reason: 'b: new data in root (data 5s old); c: upstream b runs now',
      },
    ]);
    expect(result.decisions).toEqual([
      {
        asset: 'b',
        action: 'request',
        trigger: 'upstream',
        reason: 'new data in root (data 5s old)',
      },
      { asset: 'c', action: 'request', trigger: 'upstream', reason: 'upstream b runs now' },
    ]);
    // root is not automated: no decision for it.
    expect(decisionOf(result, 'root')).toBeUndefined();
  });

  it('declines when nothing upstream is newer than the last start', () => {
    const result = evaluate(UPSTREAM(), {
      root: materialized(10 * MINUTE),
      b: materialized(5 * MINUTE),
      c: materialized(MINUTE),
    });
    expect(result.requests).toEqual([]);
    expect(result.decisions.map((d) => [d.asset, d.action, d.reason])).toEqual([
      ['b', 'decline', 'no new upstream data'],
      ['c', 'decline', 'no new upstream data'],
    ]);
  });

  it('waits, without requesting again, while the asset is queued or running', () => {
    const result = evaluate(UPSTREAM(), {
      ...NEW_ROOT_DATA,
      b: materialized(10 * MINUTE, { inFlight: true }),
    });
    expect(result.requests).toEqual([]);
    expect(decisionOf(result, 'b')).toEqual({
      asset: 'b',
      action: 'wait',
      reason: 'already queued or running',
    });
    expect(decisionOf(result, 'c')?.action).toBe('decline');
  });

  it('declines everything downstream of a blocked asset, transitively, naming it and why', () => {
    const result = evaluate(UPSTREAM(), {
      ...NEW_ROOT_DATA,
      root: materialized(5 * SECOND, { blocked: true, blockedReason: 'checks failed: not_null' }),
    });
    expect(result.requests).toEqual([]);
    for (const asset of ['b', 'c']) {
      expect(decisionOf(result, asset)).toEqual({
        asset,
        action: 'decline',
        reason: 'upstream root failed (checks failed: not_null); waiting for it to pass',
      });
    }
  });

  it('keeps a blocked asset itself eligible, and its due dependents run with it (skipped there if it fails)', () => {
    const result = evaluate(UPSTREAM(), {
      ...NEW_ROOT_DATA,
      b: materialized(10 * MINUTE, { blocked: true, blockedReason: 'dbt model failed' }),
    });
    expect(result.requests.map((r) => r.assets)).toEqual([['b', 'c']]);
  });

  it('holds a due asset until minInterval has passed since its last automated request, and wakes then', () => {
    const result = evaluate(UPSTREAM(', minInterval: 3m'), {
      ...NEW_ROOT_DATA,
      b: materialized(10 * MINUTE, { lastRequestedAt: NOW - MINUTE }),
    });
    expect(result.requests).toEqual([]);
    expect(decisionOf(result, 'b')).toEqual({
      asset: 'b',
      action: 'wait',
      trigger: 'upstream',
      reason: 'minInterval 3m: next automated run in 2m',
    });
    expect(result.wakeAt).toBe(NOW + 2 * MINUTE);
    // At the interval's end it is requested.
    const later = evaluate(
      UPSTREAM(', minInterval: 3m'),
      { ...NEW_ROOT_DATA, b: materialized(10 * MINUTE, { lastRequestedAt: NOW - MINUTE }) },
      { now: NOW + 2 * MINUTE },
    );
    expect(later.requests.map((r) => r.assets)).toEqual([['b', 'c']]);
  });

  it('backs off after consecutive failures (initial x 2^(n-1) from the last failure), then requests again', () => {
    const failing = materialized(10 * MINUTE, { failures: 2, lastFailedAt: NOW - 10 * SECOND });
    const result = evaluate(UPSTREAM(), { ...NEW_ROOT_DATA, b: failing });
    // Defaults: initial 30s, so 2 failures wait 1m from the last one: 50s to go.
    expect(decisionOf(result, 'b')).toEqual({
      asset: 'b',
      action: 'wait',
      trigger: 'upstream',
      reason: 'backing off after 2 failed run(s): next try in 50s',
    });
    expect(result.wakeAt).toBe(NOW + 50 * SECOND);
    const later = evaluate(
      UPSTREAM(),
      { ...NEW_ROOT_DATA, b: failing },
      { now: NOW + 50 * SECOND },
    );
    expect(decisionOf(later, 'b')?.action).toBe('request');
  });

  it('starts nothing at the cap of unfinished automated runs: everything due waits', () => {
    const result = evaluate(UPSTREAM(), NEW_ROOT_DATA, { runningAutomatedRuns: 4 });
    expect(result.requests).toEqual([]);
    expect(result.decisions).toEqual(
      ['b', 'c'].map((asset) => ({
        asset,
        action: 'wait',
        reason: '4 automated runs are unfinished (the cap); waiting',
      })),
    );
    expect(evaluate(UPSTREAM(), NEW_ROOT_DATA, { runningAutomatedRuns: 3 }).requests).toHaveLength(
      1,
    );
  });
});

describe('evaluateAutomation: freshness automation', () => {
  /** Every asset's data from `ageMs` ago; the source has newer data (10s old). */
  const aged = (ageMs: number, raw: Partial<AssetState> = {}): Record<string, AssetState> => ({
    batches: materialized(10 * SECOND),
    crypto_raw: materialized(ageMs, { recentDurationsMs: [20 * SECOND, 40 * SECOND], ...raw }),
    crypto_curated: materialized(ageMs, { recentDurationsMs: [60 * SECOND] }),
  });
  // Lead: curated's longest run (60s) + crypto_raw's, which needs re-running (40s) + tick (15s).
  const LEAD = 115 * SECOND;
  const WINDOW = 2 * 60 * MINUTE;

  it('requests ahead of the window by the run durations of the chain plus one tick, and sleeps until then', () => {
    const age = 100 * MINUTE;
    const deadline = NOW - age + WINDOW - LEAD;
    const before = evaluate(CHAIN, aged(age), { now: deadline - 1 });
    expect(before.requests).toEqual([]);
    expect(decisionOf(before, 'crypto_curated')?.action).toBe('decline');
    expect(before.wakeAt).toBe(deadline);
    const at = evaluate(CHAIN, aged(age), { now: deadline });
    expect(at.requests.map((r) => [r.assets, r.trigger])).toEqual([
      [['crypto_raw', 'crypto_curated'], 'freshness'],
    ]);
  });

  it('reports a fresh asset with its age and policy', () => {
    const result = evaluate(CHAIN, aged(10 * MINUTE));
    expect(decisionOf(result, 'crypto_curated')).toEqual({
      asset: 'crypto_curated',
      action: 'decline',
      reason: 'fresh: data 10m old, fail after 2h',
    });
  });

  it('waits with an upstream asset it needs that is already running', () => {
    const result = evaluate(CHAIN, aged(119 * MINUTE + 30 * SECOND, { inFlight: true }));
    expect(result.requests).toEqual([]);
    expect(decisionOf(result, 'crypto_curated')).toEqual({
      asset: 'crypto_curated',
      action: 'wait',
      reason:
        'data 1h59m old, fail after 2h; needs crypto_raw (data 1h59m old); crypto_raw is already running',
    });
  });

  it('waits with an upstream asset it needs that is itself held back (minInterval), saying so', () => {
    const pipeline = load(`version: 1
assets:
  batches: { kind: noop }
  crypto_raw:
    kind: noop
    deps: [batches]
    automation: { onUpstream: true, minInterval: 3m }
  crypto_curated:
    kind: noop
    deps: [crypto_raw]
    freshness: { failAfter: 2h }
`);
    const result = evaluate(
      pipeline,
      aged(119 * MINUTE + 30 * SECOND, { lastRequestedAt: NOW - MINUTE }),
    );
    expect(result.requests).toEqual([]);
    expect(decisionOf(result, 'crypto_curated')?.reason).toBe(
      'data 1h59m old, fail after 2h; needs crypto_raw (data 1h59m old); crypto_raw waits: minInterval 3m: next automated run in 2m',
    );
  });

  it('declines when the source has no newer data: past its window, near it, and never any data', () => {
    const stale = (ageMs: number): Record<string, AssetState> => ({
      batches: materialized(ageMs),
      crypto_raw: materialized(ageMs),
      crypto_curated: materialized(ageMs),
    });
    const past = evaluate(CHAIN, stale(125 * MINUTE));
    expect(past.requests).toEqual([]);
    expect(decisionOf(past, 'crypto_curated')).toEqual({
      asset: 'crypto_curated',
      action: 'decline',
      reason:
        'data 2h5m old, fail after 2h (past its window); source batches has no data newer than 2026-12-01T09:55:00Z: re-running cannot help, left to the alert rules',
    });
    expect(
      decisionOf(evaluate(CHAIN, stale(119 * MINUTE + 50 * SECOND)), 'crypto_curated')?.reason,
    ).toBe(
      'data 1h59m old, fail after 2h (near its window); source batches has no data newer than 2026-12-01T10:00:10Z: re-running cannot help, left to the alert rules',
    );
    const never = evaluate(CHAIN, {});
    expect(decisionOf(never, 'crypto_curated')?.reason).toBe(
      'never materialized, fail after 2h; source batches has no data yet: re-running cannot help, left to the alert rules',
    );
  });

  it('requests an asset never materialized as soon as its source has data', () => {
    const result = evaluate(CHAIN, { batches: materialized(10 * SECOND) });
    expect(result.requests.map((r) => r.assets)).toEqual([['crypto_raw', 'crypto_curated']]);
    expect(decisionOf(result, 'crypto_curated')?.reason).toBe(
      'never materialized, fail after 2h; needs crypto_raw (never materialized)',
    );
  });

  it('wakes at the earliest time-based change among all assets', () => {
    // crypto_raw (3h window) is due later than crypto_curated (2h) from the same data time.
    const age = 10 * MINUTE;
    const result = evaluate(CHAIN, aged(age));
    expect(result.wakeAt).toBe(NOW - age + WINDOW - LEAD);
  });
});
