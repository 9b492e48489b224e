import type { CheckResult } from '../../../src/assets/checks/types.ts';
import type { AssetView } from '../../../src/server/asset-views.ts';
import type { AssetStatus } from '../../../src/jobs/status.ts';

export function status(key: string, overrides: Partial<AssetStatus> = {}): AssetStatus {
  return {
    key,
    kind: 'noop',
    lastRunId: null,
    lastStatus: null,
    lastMaterializedAt: null,
    lastSuccessAt: null,
    dataTime: null,
    freshness: 'unknown',
    checks: [],
    blocked: false,
    blockedReason: null,
    error: null,
    ...overrides,
  };
}

export function view(key: string, overrides: Partial<AssetView> = {}): AssetView {
  return {
    ...status(key),
    description: null,
    group: null,
    tags: [],
    deps: [],
    outcome: 'never',
    latestRun: null,
    ...overrides,
  };
}

export function check(name: string, status: CheckResult['status'], message?: string): CheckResult {
  return { name, source: 'yaml', type: 'sql', severity: 'error', status, message };
}
