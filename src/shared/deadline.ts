import { TransientError } from './errors.ts';

/**
 * A call that did not finish within its deadline. Transient: the service behind it may answer
 * the next time (a stuck proxy, a partition, a paused process), so callers back off and retry.
 */
export class DeadlineExceededError extends TransientError {
  override readonly name: string = 'DeadlineExceededError';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} did not finish within ${timeoutMs} ms`);
  }
}

/**
 * Runs `fn` with an abort signal that fires after `timeoutMs` (or when `parent` aborts), and
 * stops waiting for it at that moment whatever `fn` does with the signal. A client that honours
 * the signal (AWS SDK v3, fetch, streams) cancels its request; one that cannot be cancelled
 * (a local file system call) goes on in the background and its late result is ignored, so the
 * caller must be able to find out later whether the work happened anyway.
 */
export async function withDeadline<T>(
  operation: string,
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onParentAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    const fire = (reason: unknown): void => {
      const error = reason instanceof Error ? reason : new Error(`${operation} aborted`);
      controller.abort(error);
      reject(error);
    };
    timer = setTimeout(() => fire(new DeadlineExceededError(operation, timeoutMs)), timeoutMs);
    if (parent?.aborted) fire(parent.reason);
    onParentAbort = () => fire(parent?.reason);
    parent?.addEventListener('abort', onParentAbort, { once: true });
  });
  const work = Promise.resolve().then(() => fn(controller.signal));
  // Whichever loses the race settles unobserved; its outcome no longer matters.
  work.catch(() => undefined);
  expired.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    if (onParentAbort) parent?.removeEventListener('abort', onParentAbort);
  }
}

/** Whether `error` (or its cause) is a deadline that fired. */
export function isDeadlineExceeded(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof DeadlineExceededError) return true;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
