import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/shared/backoff.ts';
import { NonRetriableError, TransientError, isTransient } from '../../../src/shared/errors.ts';
import { formatDuration, parseDuration } from '../../../src/shared/durations.ts';

describe('backoffDelay', () => {
  const noJitter = { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0 };
  it('grows exponentially from the initial delay', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, noJitter))).toEqual([100, 200, 400, 800]);
  });
  it('never exceeds the cap', () => {
    expect(backoffDelay(30, noJitter)).toBe(1_000);
  });
  it('draws full jitter from [0, cap]', () => {
    const full = { ...noJitter, jitter: 1 };
    expect(backoffDelay(3, full, () => 0)).toBe(0);
    expect(backoffDelay(3, full, () => 0.5)).toBe(200);
    expect(backoffDelay(3, full, () => 0.999)).toBeLessThanOrEqual(400);
  });
});

describe('isTransient', () => {
  it('retries dropped connections, throttling and 5xx', () => {
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient({ name: 'ThrottlingException' })).toBe(true);
    expect(isTransient({ $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isTransient(new TransientError('later'))).toBe(true);
    expect(isTransient(new Error('wrapped', { cause: { code: 'ECONNRESET' } }))).toBe(true);
  });
  it('does not retry bad input or 4xx', () => {
    expect(isTransient(new NonRetriableError('bad'))).toBe(false);
    expect(isTransient({ $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
  });
});

describe('durations', () => {
  it('parses the units users write', () => {
    expect(['45s', '30m', '2h', '7d', '250ms'].map(parseDuration)).toEqual([
      45_000, 1_800_000, 7_200_000, 604_800_000, 250,
    ]);
  });
  it('rejects anything else', () => {
    expect(['7 days', '', 'h', '-1h', '1y'].map(parseDuration)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
  it('formats back to the largest units', () => {
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(90_061_000)).toBe('1d1h');
  });
});
