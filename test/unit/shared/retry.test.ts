import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isTransient } from '../../../src/shared/errors.ts';
import { withRetry } from '../../../src/shared/retry.ts';

/** A protocol error as the broker sends it; `retriable: false` shows the type alone decides. */
function protocolError(type: string, code: number): KafkaJSProtocolError {
  return new KafkaJSProtocolError(
    Object.assign(new Error(`broker said ${type}`), { type, code, retriable: false }),
  );
}

describe('isTransient for Kafka', () => {
  it.each([
    ['NOT_COORDINATOR', 16],
    ['COORDINATOR_LOAD_IN_PROGRESS', 14],
    ['COORDINATOR_NOT_AVAILABLE', 15],
    ['LEADER_NOT_AVAILABLE', 5],
    ['UNKNOWN_TOPIC_OR_PARTITION', 3],
  ])('treats %s as transient', (type, code) => {
    expect(isTransient(protocolError(type, code))).toBe(true);
  });

  it('looks through kafkajs giving up after its own retries', () => {
    const gaveUp = new KafkaJSNumberOfRetriesExceeded(protocolError('NOT_COORDINATOR', 16), {
      retryCount: 2,
      retryTime: 1_000,
    });
    expect(isTransient(gaveUp)).toBe(true);
  });

  it('treats a refused connection as transient', () => {
    expect(isTransient(new KafkaJSConnectionError('Connection error: ECONNREFUSED'))).toBe(true);
  });

  it('does not retry a wrong request', () => {
    expect(isTransient(protocolError('INVALID_REPLICATION_FACTOR', 38))).toBe(false);
    expect(isTransient(protocolError('TOPIC_AUTHORIZATION_FAILED', 29))).toBe(false);
    expect(isTransient(new KafkaJSNonRetriableError('Invalid topic'))).toBe(false);
  });
});

describe('withRetry', () => {
  const noJitter = { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0 };

  /** A clock that moves only when the code under test waits, so the deadline is exact. */
  function virtualTime(): { now: () => number; advance: (ms: number) => void } {
    let t = 0;
    return { now: () => t, advance: (ms) => (t += ms) };
  }

  it('retries a transient error until it succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      () => {
        calls++;
        if (calls < 3) return Promise.reject(protocolError('NOT_COORDINATOR', 16));
        return Promise.resolve('ok');
      },
      { deadlineMs: 10_000, backoff: { ...noJitter, initialMs: 1 } },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('raises a non-transient error at once', async () => {
    let calls = 0;
    const failing = withRetry(
      () => {
        calls++;
        return Promise.reject(protocolError('INVALID_REPLICATION_FACTOR', 38));
      },
      { deadlineMs: 10_000, backoff: noJitter },
    );
    await expect(failing).rejects.toThrow('INVALID_REPLICATION_FACTOR');
    expect(calls).toBe(1);
  });

  it('stops before a wait that would end past the deadline, with the last error', async () => {
    const clock = virtualTime();
    const waits: number[] = [];
    const failing = withRetry(
      () => Promise.reject(protocolError('COORDINATOR_LOAD_IN_PROGRESS', 14)),
      {
        deadlineMs: 1_000,
        backoff: noJitter,
        now: clock.now,
        onRetry: (_error, _attempt, delay) => {
          waits.push(delay);
          // The waits are also real (0.7 s in all); the virtual clock carries the budget.
          clock.advance(delay);
        },
      },
    );
    await expect(failing).rejects.toThrow('COORDINATOR_LOAD_IN_PROGRESS');
    // 100 + 200 + 400 = 700 fits in 1 000 ms; the next wait (800) would not.
    expect(waits).toEqual([100, 200, 400]);
  });

  it('needs a bound: attempts or a deadline', async () => {
    await expect(withRetry(() => Promise.resolve(1), {})).rejects.toThrow(TypeError);
  });
});
