/**
 * Exponential backoff with full jitter, capped. Pure: the random source is injected so
 * tests can pin it. One function serves Kafka, S3, Athena, CloudWatch and job retries.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** 0 = no jitter, 1 = full jitter (delay drawn from [0, cap]). */
  jitter?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 200,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
};

export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 1;
  const exponent = Math.max(0, attempt - 1);
  const capped = Math.min(options.maxMs, options.initialMs * factor ** exponent);
  return Math.round(capped * (1 - jitter) + capped * jitter * random());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
