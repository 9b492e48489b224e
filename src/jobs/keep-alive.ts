/**
 * Renews a lease-like resource every `intervalMs` while work runs. A renewal that reports the
 * resource gone calls `onLost` at once; Redis errors are tolerated until `ttlMs` has passed
 * since the last good renewal, since only then can the resource really have expired.
 */
export function keepAlive(
  renew: () => Promise<boolean>,
  options: { intervalMs: number; ttlMs: number; onLost: (reason: string) => void },
): () => void {
  let lastRenewed = Date.now();
  let stopped = false;
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight || stopped) return;
    inFlight = true;
    renew()
      .then((held) => {
        if (stopped) return;
        if (held) lastRenewed = Date.now();
        else stop('lease expired or was taken over');
      })
      .catch((error: unknown) => {
        if (!stopped && Date.now() - lastRenewed >= options.ttlMs) {
          stop(`lease renewal failed for ${options.ttlMs} ms: ${String(error)}`);
        }
      })
      .finally(() => {
        inFlight = false;
      });
  }, options.intervalMs);
  timer.unref();

  function stop(reason: string): void {
    stopped = true;
    clearInterval(timer);
    options.onLost(reason);
  }

  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
