/**
 * Runs `task` every `intervalMs`, one pass at a time (a slow pass delays the next instead of
 * overlapping it). A failed pass is reported and the next one runs as usual. stop() waits for
 * the pass in flight.
 */
export function startPeriodic(
  task: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(task).then(() => undefined, onError);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
