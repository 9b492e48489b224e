import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Paths a load balancer probes without credentials; they reveal nothing but liveness. */
const OPEN_PATHS = new Set(['/healthz']);

/**
 * Requires `Authorization: Bearer <token>` on every path but the health check. Tokens are compared
 * as hashes in constant time, so neither their content nor their length leaks through timing.
 */
export function bearerAuth(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (OPEN_PATHS.has(req.path)) return next();
    const header = req.get('authorization') ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (match && timingSafeEqual(digest(match[1] as string), expected)) return next();
    res.set('WWW-Authenticate', 'Bearer').status(401).json({ error: 'unauthorized' });
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
