import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/jobs/run-model.ts';
import { assetOutcome, toAssetViews } from '../../../src/server/asset-views.ts';
import { status } from './fixtures.ts';

function run(
  id: string,
  createdAt: number,
  runStatus: RunRecord['status'],
  states: Record<string, RunRecord['assetStates'][number]['state']>,
): RunRecord {
  return {
    id,
    selection: '*',
    trigger: 'manual',
    assets: Object.keys(states),
    status: runStatus,
    createdAt,
    assetStates: Object.entries(states).map(([key, state]) => ({ key, state, info: {} })),
  };
}

describe('what colour an asset gets', () => {
  const succeeded = status('a', { lastStatus: 'succeeded', lastMaterializedAt: 1_000 });

  it('is its last materialization when no newer run left it unmaterialized', () => {
    expect(assetOutcome(succeeded, undefined)).toBe('succeeded');
    expect(assetOutcome(status('a'), undefined)).toBe('never');
    expect(
      assetOutcome(status('a', { lastStatus: 'failed', lastMaterializedAt: 5 }), {
        id: 'r',
        state: 'failed',
        active: false,
        createdAt: 1,
      }),
    ).toBe('failed');
  });

  it('is skipped (not succeeded) when the latest run skipped it after its last success', () => {
    const latest = { id: 'r', state: 'skipped' as const, active: false, createdAt: 2_000 };
    expect(assetOutcome(succeeded, latest)).toBe('skipped');
    // An older run's skip does not hide a newer materialization.
    expect(assetOutcome(succeeded, { ...latest, createdAt: 500 })).toBe('succeeded');
  });

  it('is running or queued while an active run is on it', () => {
    const base = { id: 'r', active: true, createdAt: 2_000 };
    expect(assetOutcome(succeeded, { ...base, state: 'running' })).toBe('running');
    expect(assetOutcome(succeeded, { ...base, state: 'pending' })).toBe('queued');
    expect(assetOutcome(succeeded, { ...base, state: 'queued', active: false })).toBe('succeeded');
  });
});

describe('asset views', () => {
  it("take each asset's newest run from a newest-first list, and its deps and description from config", () => {
    const pipeline = {
      assets: new Map([
        ['a', { key: 'a', kind: 'noop', deps: [], tags: ['t'], description: 'first' }],
        ['b', { key: 'b', kind: 'noop', deps: ['a'], tags: [] }],
      ]),
    } as unknown as Parameters<typeof toAssetViews>[0];
    const views = toAssetViews(
      pipeline,
      [
        status('a', { lastStatus: 'failed', lastMaterializedAt: 2_500 }),
        status('b', { lastStatus: 'succeeded', lastMaterializedAt: 1_500 }),
      ],
      [
        run('run-new', 2_000, 'failed', { a: 'failed', b: 'skipped' }),
        run('run-old', 1_000, 'succeeded', { a: 'succeeded', b: 'succeeded' }),
      ],
    );
    expect(views.map((v) => [v.key, v.outcome, v.latestRun?.id, v.deps, v.description])).toEqual([
      ['a', 'failed', 'run-new', [], 'first'],
      ['b', 'skipped', 'run-new', ['a'], null],
    ]);
  });
});
