import { describe, expect, it } from 'vitest';
import { loadPipeline, parsePipeline } from '../../../src/config/index.ts';
import { PROJECT_ROOT } from '../../../src/shared/settings.ts';

const ASSETS = `version: 1
assets:
  gold:
    kind: noop
    freshness:
      failAfter: 2h
  plain:
    kind: noop
`;

describe('monitoring and alerts config', () => {
  it('ships the seed alert rules with their thresholds', async () => {
    const pipeline = await loadPipeline(`${PROJECT_ROOT}/config/pipeline.yaml`, {});
    const rules = new Map(pipeline.alerts.rules.map((r) => [r.name, r]));
    expect(rules.get('consumer_lag_high')).toMatchObject({ kind: 'kafka_lag', maxLag: 1000 });
    expect(rules.get('check_failed')).toMatchObject({
      kind: 'check_failed',
      checkSeverity: 'error',
    });
    expect(rules.get('upload_errors')).toMatchObject({ kind: 'counter_increase', threshold: 5 });
    expect(rules.get('gold_stale')).toMatchObject({
      kind: 'staleness',
      asset: 'crypto_curated',
      maxAgeMs: 2 * 3_600_000,
    });
    expect(rules.get('throughput_low')).toMatchObject({ kind: 'rate_below_baseline' });
    expect(rules.get('upload_slow')).toMatchObject({ kind: 'histogram_above', threshold: 10 });
    expect(pipeline.monitoring.lag.groups).toEqual([
      { group: 'crypto-s3-sink', topic: 'selected_crypto_data' },
    ]);
    expect(pipeline.monitoring.cloudwatch.enabled).toBe(false);
  });

  it('defaults both sections so configs without them still load', () => {
    const pipeline = parsePipeline(ASSETS, '/tmp/p.yaml', {});
    expect(pipeline.alerts.rules).toEqual([]);
    expect(pipeline.monitoring).toMatchObject({
      intervalMs: 15_000,
      lag: { window: 10, stopAfterMs: 300_000 },
    });
  });

  it("takes a staleness rule's limit from the asset's freshness policy", () => {
    const pipeline = parsePipeline(
      `${ASSETS}alerts:\n  rules:\n    stale:\n      kind: staleness\n      asset: gold\n`,
      '/tmp/p.yaml',
      {},
    );
    expect(pipeline.alerts.rules[0]).toMatchObject({
      maxAgeMs: 2 * 3_600_000,
      forMs: 0,
      severity: 'warn',
    });
  });

  it('names file, line and key for rules that refer to unknown assets or lack a limit', () => {
    const text = `${ASSETS}alerts:\n  rules:\n    stale:\n      kind: staleness\n      asset: gold_x\n    plain_stale:\n      kind: staleness\n      asset: plain\n`;
    expect(() => parsePipeline(text, '/tmp/p.yaml', {})).toThrow(
      /p\.yaml:13:14: alerts\.rules\.stale\.asset: unknown asset "gold_x"/,
    );
    expect(() => parsePipeline(text, '/tmp/p.yaml', {})).toThrow(
      /alerts\.rules\.plain_stale: needs maxAge: asset "plain" has no freshness policy/,
    );
  });

  it('rejects a kafka_lag rule with neither a limit nor statuses, and unknown fields', () => {
    expect(() =>
      parsePipeline(
        `${ASSETS}alerts:\n  rules:\n    lag:\n      kind: kafka_lag\n`,
        '/tmp/p.yaml',
        {},
      ),
    ).toThrow(/needs maxLag, statuses or both/);
    expect(() =>
      parsePipeline(
        `${ASSETS}alerts:\n  rules:\n    lag:\n      kind: kafka_lag\n      maxlag: 3\n`,
        '/tmp/p.yaml',
        {},
      ),
    ).toThrow(/maxlag/);
  });
});
