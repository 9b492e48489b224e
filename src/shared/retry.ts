import { backoffDelay, sleep, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.ts';
import { isTransient } from './errors.ts';

export interface RetryOptions {
  attempts: number;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  /** Called before each wait, for logging and metrics. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  retryIf?: (error: unknown) => boolean;
}

/** Runs `fn` until it succeeds, a non-transient error occurs, or attempts run out. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const retryIf = options.retryIf ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !retryIf(error)) throw error;
      const delay = backoffDelay(attempt, options.backoff ?? DEFAULT_BACKOFF);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
