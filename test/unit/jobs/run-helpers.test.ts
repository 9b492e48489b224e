import { describe, expect, it } from 'vitest';
import { derivedDataTime } from '../../../src/assets/materializers/types.ts';
import { jobIdFor, retryDelay } from '../../../src/jobs/queue.ts';
import { RUN_ID } from '../../../src/jobs/run-model.ts';
import { newRunId } from '../../../src/jobs/run-store.ts';
import { hashTag, orchestratorSettings } from '../../../src/jobs/settings.ts';
import { TransientError, UsageError } from '../../../src/shared/errors.ts';

describe('derivedDataTime', () => {
  it('is the oldest data time among the inputs', () => {
    expect(
      derivedDataTime(
        new Map([
          ['a', 300],
          ['b', 100],
          ['c', 200],
        ]),
      ),
    ).toBe(100);
  });

  it('is unknown when any input is unknown, and when there are no inputs', () => {
    expect(
      derivedDataTime(
        new Map([
          ['a', 300],
          ['b', null],
        ]),
      ),
    ).toBeNull();
    expect(derivedDataTime(new Map())).toBeNull();
  });
});

describe('run and job ids', () => {
  it('makes run ids that sort by time and pass the run id pattern', () => {
    const a = newRunId(Date.parse('2026-11-25T10:00:00Z'));
    const b = newRunId(Date.parse('2026-11-25T10:00:01Z'));
    expect(a).toMatch(/^run-20261125-100000-[0-9a-f]{8}$/);
    expect(RUN_ID.test(a)).toBe(true);
    expect(a < b).toBe(true);
  });

  it('makes deterministic job ids without the colon BullMQ rejects', () => {
    expect(jobIdFor('run-20261125-100000-abcd0123', 'crypto_raw')).toBe(
      'run-20261125-100000-abcd0123.crypto_raw',
    );
    expect(jobIdFor('r', 'a')).not.toContain(':');
  });
});

describe('retryDelay', () => {
  const settings = { ...orchestratorSettings({}), retryBaseMs: 1_000, retryMaxMs: 8_000 };

  it('grows exponentially with attempts, within half-jitter bounds, capped', () => {
    for (let i = 0; i < 50; i++) {
      const first = retryDelay(settings, 1);
      const third = retryDelay(settings, 3);
      const tenth = retryDelay(settings, 10);
      expect(first).toBeGreaterThanOrEqual(500);
      expect(first).toBeLessThanOrEqual(1_000);
      expect(third).toBeGreaterThanOrEqual(2_000);
      expect(third).toBeLessThanOrEqual(4_000);
      expect(tenth).toBeLessThanOrEqual(8_000);
    }
  });

  it('waits at least as long as a transient error asks', () => {
    const error = new TransientError('throttled', { retryAfterMs: 20_000 });
    expect(retryDelay(settings, 1, error)).toBe(20_000);
  });
});

describe('orchestratorSettings', () => {
  it('has production defaults', () => {
    expect(orchestratorSettings({})).toMatchObject({
      keyPrefix: '{strata}:',
      queuePrefix: '{strata}',
      leaseTtlMs: 30_000,
    });
  });

  it('reads overrides and rejects a queue prefix with a colon', () => {
    expect(
      orchestratorSettings({ STRATA_LEASE_TTL_MS: '1500', STRATA_KEY_PREFIX: 'test-x:' }),
    ).toMatchObject({
      leaseTtlMs: 1_500,
      keyPrefix: 'test-x:',
    });
    expect(() => orchestratorSettings({ STRATA_QUEUE_PREFIX: 'a:b' })).toThrow(UsageError);
  });

  it('requires one hash tag on both prefixes when REDIS_URL names a cluster', () => {
    const cluster = { REDIS_URL: 'redis+cluster://127.0.0.1:17000' };
    expect(orchestratorSettings(cluster).keyPrefix).toBe('{strata}:');
    expect(
      orchestratorSettings({
        ...cluster,
        STRATA_KEY_PREFIX: '{p1}:',
        STRATA_QUEUE_PREFIX: '{p1}',
      }).queuePrefix,
    ).toBe('{p1}');
    expect(() => orchestratorSettings({ ...cluster, STRATA_KEY_PREFIX: 'strata:' })).toThrow(
      /same hash tag, e\.g\. \{strata\}:/,
    );
    expect(() =>
      orchestratorSettings({ ...cluster, STRATA_KEY_PREFIX: '{a}:', STRATA_QUEUE_PREFIX: '{b}' }),
    ).toThrow(UsageError);
    // A single Redis takes any prefix, tagged or not.
    expect(orchestratorSettings({ STRATA_KEY_PREFIX: 'strata:' }).keyPrefix).toBe('strata:');
  });

  it('reads a hash tag as Redis Cluster does', () => {
    expect(hashTag('{strata}:')).toBe('strata');
    expect(hashTag('x{a}{b}')).toBe('a');
    expect(hashTag('{}strata:')).toBeUndefined();
    expect(hashTag('strata:')).toBeUndefined();
  });
});
