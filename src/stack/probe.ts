import net from 'node:net';
import { sleep } from '../shared/backoff.ts';
import type { HostPort } from './config.ts';

/** Whether anything accepts TCP connections on the address (cheap first step of every health check). */
export function isPortOpen({ host, port }: HostPort, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export type WaitOutcome = 'ready' | 'timeout' | 'gave-up';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked between polls: a process that died will never become healthy. */
  giveUpIf?: () => boolean;
  /** Called about every `progressEveryMs` with the time waited so far. */
  onProgress?: (elapsedMs: number) => void;
  progressEveryMs?: number;
  now?: () => number;
}

/** Polls `check` until it returns true, the deadline passes or `giveUpIf` says stop. */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 500;
  const progressEvery = options.progressEveryMs ?? 5_000;
  const start = now();
  let lastProgress = start;
  for (;;) {
    if (await check()) return 'ready';
    if (options.giveUpIf?.()) return 'gave-up';
    const elapsed = now() - start;
    if (elapsed >= options.timeoutMs) return 'timeout';
    if (now() - lastProgress >= progressEvery) {
      lastProgress = now();
      options.onProgress?.(elapsed);
    }
    await sleep(interval);
  }
}
