import { describe, expect, it } from 'vitest';
import { parsePipeline, type LoadedPipeline } from '../../../src/config/index.ts';
import {
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
  return {
    dataTime: null,
    lastNewDataAt: null,
    lastStartedAt: null,
    failures: 0,
    lastFailedAt: null,
    blocked: false,
    inFlight: false,
    lastRequestedAt: null,
    recentDurationsMs: [],
    ...overrides,
  };
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
    freshness: { warnAfter: 30m }
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
    expect(result.decisions.map((d) => d.asset)).toEqual([
      'batches',
      'crypto_raw',
      'crypto_curated',
    ]);
  });
});
