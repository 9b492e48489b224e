import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepAlive } from '../../../src/jobs/keep-alive.ts';

/** keepAlive is timing logic only: fake timers drive it, the renewals are plain functions. */
describe('keepAlive', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const options = (onLost: (reason: string) => void) => ({
    intervalMs: 1_000,
    ttlMs: 3_000,
    onLost,
  });

  it('keeps renewing while renewals succeed, and never calls onLost', async () => {
    const onLost = vi.fn();
    const renew = vi.fn(() => Promise.resolve(true));
    const stop = keepAlive(renew, options(onLost));
    await vi.advanceTimersByTimeAsync(30_000);
    stop();
    expect(renew).toHaveBeenCalledTimes(30);
    expect(onLost).not.toHaveBeenCalled();
  });

  it('calls onLost at once when a renewal reports the lease gone', async () => {
    const onLost = vi.fn();
    keepAlive(() => Promise.resolve(false), options(onLost));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onLost).toHaveBeenCalledExactlyOnceWith('lease expired or was taken over');
  });

  it('calls onLost at the local deadline when renewals hang (a cut network), not later', async () => {
    const onLost = vi.fn();
    const renew = vi.fn(() => new Promise<boolean>(() => undefined));
    keepAlive(renew, options(onLost));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onLost).toHaveBeenCalledOnce();
    expect(onLost.mock.calls[0]?.[0]).toBe(
      'lease not proven for 2000 ms (last renewal: no answer)',
    );
    // A hung renewal is not sent again on top of itself.
    expect(renew).toHaveBeenCalledOnce();
  });

  it('counts the deadline from the send of the last good renewal; failures in between do not reset it', async () => {
    const onLost = vi.fn();
    const answers = [true, 'fail', 'fail', 'fail'];
    const renew = vi.fn(() => {
      const answer = answers.shift();
      return answer === true ? Promise.resolve(true) : Promise.reject(new Error('ETIMEDOUT'));
    });
    keepAlive(renew, options(onLost));
    await vi.advanceTimersByTimeAsync(1_000); // renewed, sent at +1000: proven until +3000
    await vi.advanceTimersByTimeAsync(1_999);
    expect(onLost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onLost).toHaveBeenCalledExactlyOnceWith(
      'lease not proven for 2000 ms (last renewal: ETIMEDOUT)',
    );
  });

  it('starts from the time the grant was sent, and fires at once for a process that was paused past it', async () => {
    const onLost = vi.fn();
    keepAlive(() => Promise.resolve(true), { ...options(onLost), provenAt: Date.now() - 5_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(onLost).toHaveBeenCalledOnce();
  });

  it('stop() ends renewals and the deadline', async () => {
    const onLost = vi.fn();
    const renew = vi.fn(() => new Promise<boolean>(() => undefined));
    const stop = keepAlive(renew, options(onLost));
    stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(renew).not.toHaveBeenCalled();
    expect(onLost).not.toHaveBeenCalled();
  });
});
