import { backoffDelay, sleep, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { isTransient } from './errors.ts';

export interface RetryOptions {
  /** At most this many calls; unlimited when only `deadlineMs` bounds the retries. */
  attempts?: number;
  /**
   * Time budget in milliseconds from the first call: no wait starts that would end past it, so
   * the last error is raised at most one call's duration after the budget.
   */
  deadlineMs?: number;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  /** Called before each wait, for logging and metrics. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  retryIf?: (error: unknown) => boolean;
  now?: () => number;
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, a non-transient error occurs, the attempts run out or the deadline
 * passes. Waits are exponential with jitter (backoffDelay).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  if (options.attempts === undefined && options.deadlineMs === undefined) {
    throw new TypeError('withRetry needs attempts or deadlineMs');
  }
  const retryIf = options.retryIf ?? isTransient;
  const now = options.now ?? Date.now;
  const attempts = options.attempts ?? Infinity;
  const deadline = now() + (options.deadlineMs ?? Infinity);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryIf(error) || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, options.backoff ?? DEFAULT_BACKOFF, options.random);
      if (now() + delay > deadline) throw error;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
