import type { Request, Response } from 'express';
import type { LiveFeed, LiveEvent } from './feed.ts';

export interface SseOptions {
  /** A comment line this often keeps proxies and browsers from dropping an idle stream. */
  heartbeatMs?: number;
  /**
   * Each stream is closed after this long; the browser reconnects by itself (and the page
   * resynchronises), so no response lives for the whole day a page stays open.
   */
  maxAgeMs?: number;
  /** How long the browser waits before reconnecting. */
  retryMs?: number;
}

/**
 * GET /api/events: Server-Sent Events from the event log. Every progress event of every run
 * (`event: change`, data `{ runId, type, asset?, at }`); each page picks what concerns it.
 * Everything a stream holds (its listener, heartbeat and age timers) is released exactly once,
 * whichever comes first: the client leaves, the age limit, or a failed write.
 */
export function sseRoute(feed: LiveFeed, options: SseOptions = {}) {
  const open = new Set<Response>();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxAgeMs = options.maxAgeMs ?? 30 * 60_000;
  const retryMs = options.retryMs ?? 3_000;
  const handler = (req: Request, res: Response): void => {
    const send = (event: LiveEvent): void => {
      res.write(`event: change\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const unsubscribe = feed.subscribe(send);
    if (!unsubscribe) {
      res.status(503).set('Retry-After', '30').json({ error: 'too many live pages open' });
      return;
    }
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${retryMs}\n: connected\n\n`);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    const age = setTimeout(() => res.end(), maxAgeMs);
    open.add(res);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      open.delete(res);
      clearInterval(heartbeat);
      clearTimeout(age);
      unsubscribe();
    };
    req.once('close', release);
    res.once('close', release);
    res.once('error', release);
  };
  return {
    handler,
    /** Streams never finish by themselves: on shutdown they are ended so the server can close. */
    closeAll: (): void => {
      for (const res of open) res.end();
      feed.close();
    },
    get openStreams(): number {
      return open.size;
    },
  };
}
