import { describe, expect, it } from 'vitest';
import {
  DeadlineExceededError,
  isDeadlineExceeded,
  withDeadline,
} from '../../../src/shared/deadline.ts';
import { TransientError, isTransient } from '../../../src/shared/errors.ts';

/** A promise that settles only when the signal aborts (as an SDK call honouring it does). */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(new Error('aborted by the caller')), {
      once: true,
    }),
  );
}

describe('withDeadline', () => {
  it('returns the result of a call that finishes in time', async () => {
    await expect(withDeadline('quick', 1_000, () => Promise.resolve(42))).resolves.toBe(42);
  });

  it('passes through the error of a call that fails in time', async () => {
    await expect(
      withDeadline('failing', 1_000, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
  });

  it('aborts the signal and fails with a transient DeadlineExceededError when time is up', async () => {
    let seen: AbortSignal | undefined;
    const error = await withDeadline('s3 put x', 20, (signal) => {
      seen = signal;
      return untilAborted(signal);
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toBeInstanceOf(TransientError);
    expect(isTransient(error)).toBe(true);
    expect((error as Error).message).toBe('s3 put x did not finish within 20 ms');
    expect(seen?.aborted).toBe(true);
  });

  it('stops waiting for a call that ignores the signal (an fs call cannot be cancelled)', async () => {
    let release!: () => void;
    const never = new Promise<string>((resolve) => (release = () => resolve('late')));
    await expect(withDeadline('local put', 20, () => never)).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    release(); // the late result is dropped without an unhandled rejection
    await expect(never).resolves.toBe('late');
  });

  it('aborts when the parent signal aborts, with the parent reason', async () => {
    const parent = new AbortController();
    const pending = withDeadline('listing', 60_000, untilAborted, parent.signal);
    parent.abort(new Error('monitor stopping'));
    await expect(pending).rejects.toThrow('monitor stopping');
  });

  it('recognises a deadline anywhere in a cause chain, and the SDK TimeoutError', () => {
    const deadline = new DeadlineExceededError('x', 1);
    expect(isDeadlineExceeded(new Error('wrapped', { cause: deadline }))).toBe(true);
    expect(isDeadlineExceeded(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isDeadlineExceeded(new Error('other'))).toBe(false);
  });
});
