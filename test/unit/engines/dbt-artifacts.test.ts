import { describe, expect, it } from 'vitest';
import { interpretArtifacts } from '../../../src/engines/dbt/artifacts.ts';
import { failureSummary } from '../../../src/engines/dbt/runner.ts';

// Shapes follow run_results.json v6 and manifest.json v12 as written by dbt-core 1.11.
const timing = [
  {
    name: 'compile',
    started_at: '2026-11-26T01:02:52.891Z',
    completed_at: '2026-11-26T01:02:52.904Z',
  },
  {
    name: 'execute',
    started_at: '2026-11-26T01:02:52.905Z',
    completed_at: '2026-11-26T01:02:53.034Z',
  },
];

const manifest = {
  nodes: {
    'model.strata.crypto_stage': {
      unique_id: 'model.strata.crypto_stage',
      resource_type: 'model',
      name: 'crypto_stage',
      config: {},
    },
    'model.strata.crypto_curated': {
      unique_id: 'model.strata.crypto_curated',
      resource_type: 'model',
      name: 'crypto_curated',
      config: {},
    },
    'test.strata.silver_name_not_empty.8d6f0e8a1b': {
      unique_id: 'test.strata.silver_name_not_empty.8d6f0e8a1b',
      resource_type: 'test',
      name: 'silver_name_not_empty',
      column_name: 'name',
      attached_node: 'model.strata.crypto_stage',
      test_metadata: { name: 'not_empty_string' },
      config: { severity: 'ERROR' },
    },
    'test.strata.silver_recency_3d.1234567890': {
      unique_id: 'test.strata.silver_recency_3d.1234567890',
      resource_type: 'test',
      name: 'silver_recency_3d',
      column_name: 'last_updated',
      attached_node: 'model.strata.crypto_stage',
      test_metadata: { name: 'recency_check' },
      config: { severity: 'warn' },
    },
  },
  sources: {},
};

const results = [
  {
    unique_id: 'model.strata.crypto_stage',
    status: 'success',
    message: 'OK',
    failures: null,
    execution_time: 0.1447,
    relation_name: '"w"."silver"."crypto_stage"',
    timing,
  },
  {
    unique_id: 'test.strata.silver_name_not_empty.8d6f0e8a1b',
    status: 'fail',
    message: 'Got 1 result, configured to fail if != 0',
    failures: 1,
    execution_time: 0.02,
    timing,
  },
  {
    unique_id: 'test.strata.silver_recency_3d.1234567890',
    status: 'warn',
    message: 'Got 1 result, configured to warn if != 0',
    failures: 1,
    execution_time: 0.02,
    timing,
  },
  {
    unique_id: 'model.strata.crypto_curated',
    status: 'skipped',
    message: null,
    failures: null,
    execution_time: 0,
    timing: [],
  },
];

describe('interpretArtifacts', () => {
  const artifacts = interpretArtifacts(results, manifest, []);

  it('reports each model with status, relation and timing', () => {
    expect(artifacts.models).toEqual([
      {
        uniqueId: 'model.strata.crypto_stage',
        name: 'crypto_stage',
        resourceType: 'model',
        status: 'success',
        message: 'OK',
        relation: '"w"."silver"."crypto_stage"',
        executionMs: 145,
        startedAt: '2026-11-26T01:02:52.891Z',
        completedAt: '2026-11-26T01:02:53.034Z',
      },
      expect.objectContaining({ name: 'crypto_curated', status: 'skipped', startedAt: null }),
    ]);
  });

  it('attaches each test to its model and reads its severity from the manifest', () => {
    expect(artifacts.tests).toEqual([
      expect.objectContaining({
        name: 'silver_name_not_empty',
        status: 'fail',
        severity: 'error',
        failures: 1,
        message: 'Got 1 result, configured to fail if != 0',
        model: 'crypto_stage',
        modelUniqueId: 'model.strata.crypto_stage',
        column: 'name',
        testType: 'not_empty_string',
      }),
      expect.objectContaining({
        name: 'silver_recency_3d',
        status: 'warn',
        severity: 'warn',
        testType: 'recency_check',
      }),
    ]);
  });

  it('reads source freshness results', () => {
    const { sources } = interpretArtifacts([], manifest, [
      {
        unique_id: 'source.strata.crypto_raw_data.crypto_raw_data',
        status: 'error',
        max_loaded_at: '2026-11-25T01:45:05+00:00',
        snapshotted_at: '2026-11-26T01:04:06+00:00',
        max_loaded_at_time_ago_in_s: 83941.2,
      },
    ]);
    expect(sources).toEqual([
      {
        uniqueId: 'source.strata.crypto_raw_data.crypto_raw_data',
        source: 'crypto_raw_data',
        table: 'crypto_raw_data',
        status: 'error',
        maxLoadedAt: '2026-11-25T01:45:05+00:00',
        snapshottedAt: '2026-11-26T01:04:06+00:00',
        ageSeconds: 83941.2,
        message: null,
      },
    ]);
  });

  it('summarises a failed build in dbt words: failing error tests and skipped models, not warnings', () => {
    expect(failureSummary({ ...artifacts, logs: [] })).toBe(
      'test silver_name_not_empty on crypto_stage: Got 1 result, configured to fail if != 0; skipped: crypto_curated',
    );
  });

  it("keeps a model's compile error message without dbt's call stack", () => {
    const failed = interpretArtifacts(
      [
        {
          unique_id: 'model.strata.crypto_stage',
          status: 'error',
          message:
            'Compilation Error in model crypto_stage\n  No raw data: nothing here\n  \n  > in macro x\n  > called by y',
          failures: null,
          execution_time: 0.01,
          timing,
        },
      ],
      manifest,
      [],
    );
    expect(failureSummary({ ...failed, logs: [] })).toBe(
      'model crypto_stage: Compilation Error in model crypto_stage No raw data: nothing here',
    );
  });
});
