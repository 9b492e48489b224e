import { describe, expect, it } from 'vitest';
import { formatSchedulerStatus, type SchedulerStatus } from '../../../src/scheduler/status.ts';

const NOW = Date.parse('2026-12-01T10:00:04Z');

const status = (overrides: Partial<SchedulerStatus> = {}): SchedulerStatus => ({
  leader: 'scheduler@ip-10-0-1-12:4242',
  applied: {
    hash: '1b58b0142df7',
    file: '/srv/strata/config/pipeline.yaml',
    appliedAt: Date.parse('2026-12-01T09:12:03Z'),
  },
  configError: undefined,
  differsFromLeader: false,
  localHash: '1b58b0142df7',
  decisions: [],
  schedules: [],
  ...overrides,
});

describe('formatSchedulerStatus: the scheduler part of `strata status`', () => {
  it('shows the leader, the applied config, each schedule next tick and the latest decisions with their age', () => {
    const text = formatSchedulerStatus(
      status({
        schedules: [
          {
            name: 'produce_prices',
            cron: '* * * * *',
            timezone: 'UTC',
            next: Date.parse('2026-12-01T10:01:00Z'),
          },
          { name: 'stuck', cron: '0 0 31 2 *', timezone: 'UTC', next: undefined },
        ],
        decisions: [
          {
            asset: 'raw_crypto_batches',
            action: 'decline',
            reason: 'fresh: data 12s old, warn after 30m',
            at: NOW - 4_000,
          },
          {
            asset: 'crypto_stage',
            action: 'request',
            trigger: 'upstream',
            reason: 'new data in crypto_raw (data 1m30s old)',
            at: NOW - 4_400,
          },
        ],
      }),
      NOW,
    );
    expect(text).toBe(
      [
        'Scheduler',
        '  leader: scheduler@ip-10-0-1-12:4242',
        '  config: 1b58b0142df7 applied 2026-12-01T09:12:03.000Z',
        "  schedule produce_prices: '* * * * *' (UTC), next 2026-12-01T10:01:00.000Z",
        "  schedule stuck: '0 0 31 2 *' (UTC), no next tick",
        '  last decisions:',
        '    raw_crypto_batches: decline, 4s ago: fresh: data 12s old, warn after 30m',
        '    crypto_stage: request (upstream), 4s ago: new data in crypto_raw (data 1m30s old)',
      ].join('\n'),
    );
  });

  it('says when no scheduler runs and no config was applied', () => {
    expect(formatSchedulerStatus(status({ leader: undefined, applied: undefined }), NOW)).toBe(
      ['Scheduler', '  leader: none running'].join('\n'),
    );
  });

  it("flags a local file that differs from the leader's applied config", () => {
    const text = formatSchedulerStatus(
      status({ differsFromLeader: true, localHash: '7c0e19a4d2b1' }),
      NOW,
    );
    expect(text).toContain(
      "  config: 1b58b0142df7 applied 2026-12-01T09:12:03.000Z — this file (7c0e19a4d2b1) differs from the leader's: replicas disagree until it reloads",
    );
  });

  it('shows the config error indented under its heading, at most 10 lines of it', () => {
    const message = Array.from(
      { length: 12 },
      (_, i) => `pipeline.yaml:${i + 1}:1: problem ${i + 1}`,
    ).join('\n');
    const lines = formatSchedulerStatus(status({ configError: { message, at: NOW } }), NOW).split(
      '\n',
    );
    const at = lines.indexOf('  config error (the last good config keeps running):');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1)).toEqual(
      Array.from({ length: 10 }, (_, i) => `    pipeline.yaml:${i + 1}:1: problem ${i + 1}`),
    );
  });
});
