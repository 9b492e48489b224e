import { errorMessage } from '../shared/errors.ts';

/**
 * Renews a lease-like resource every `intervalMs` while work runs, and calls `onLost` (once) as
 * soon as the resource can no longer be proven held:
 *
 * - a renewal reports it gone (expired, or taken over): at once;
 * - no renewal succeeded for `deadlineMs` since the last successful one was *sent*: Redis
 *   extended the expiry no earlier than that send, so until `sent + ttl` nobody else can hold
 *   it; past the deadline the holder stops working, leaving `ttl - deadline` for the work to
 *   wind down (a dbt subprocess to stop) before another holder may take over.
 *
 * The deadline is a local timer, so it fires even when renewals hang (a cut network: commands
 * wait for a reconnect instead of failing) or fail; the renewal itself should carry a timeout
 * (RedisLease does) so that the next one can be tried.
 */
export function keepAlive(
  renew: () => Promise<boolean>,
  options: {
    intervalMs: number;
    ttlMs: number;
    /** Default: two thirds of the TTL. */
    deadlineMs?: number;
    /** When the grant (or the last renewal) was sent; default now. */
    provenAt?: number;
    onLost: (reason: string) => void;
  },
): () => void {
  const deadlineMs = options.deadlineMs ?? Math.floor((options.ttlMs * 2) / 3);
  let provenAt = options.provenAt ?? Date.now();
  let lastError: unknown;
  let stopped = false;
  let inFlight = false;
  let deadline = armDeadline();
  const timer = setInterval(() => {
    if (inFlight || stopped) return;
    inFlight = true;
    const sentAt = Date.now();
    renew()
      .then((held) => {
        if (stopped) return;
        if (!held) return stop('lease expired or was taken over');
        provenAt = Math.max(provenAt, sentAt);
        clearTimeout(deadline);
        deadline = armDeadline();
      })
      .catch((error: unknown) => {
        lastError = error;
      })
      .finally(() => {
        inFlight = false;
      });
  }, options.intervalMs);
  timer.unref();

  function armDeadline(): NodeJS.Timeout {
    const t = setTimeout(
      () => {
        const why = lastError === undefined ? 'no answer' : errorMessage(lastError);
        stop(`lease not proven for ${Date.now() - provenAt} ms (last renewal: ${why})`);
      },
      Math.max(0, provenAt + deadlineMs - Date.now()),
    );
    t.unref();
    return t;
  }

  function stop(reason: string): void {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    clearTimeout(deadline);
    options.onLost(reason);
  }

  return () => {
    stopped = true;
    clearInterval(timer);
    clearTimeout(deadline);
  };
}
