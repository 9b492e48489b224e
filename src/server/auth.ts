import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { renderLoginPage } from './ui/login-page.ts';

/**
 * Paths reachable without credentials: the health check a load balancer probes (it reveals
 * nothing but liveness) and the sign-in form.
 */
const OPEN_PATHS = new Set(['/healthz', '/login']);

/** Browsers cannot send a bearer header on navigation; after /login they send this cookie. */
export const SESSION_COOKIE = 'strata_session';

/**
 * Requires `Authorization: Bearer <token>`, or the session cookie /login sets, on every path but
 * the open ones. Secrets are compared as hashes in constant time, so neither their content nor
 * their length leaks through timing. A browser asking for a page gets the sign-in form with
 * the 401; API clients get JSON.
 */
export function bearerAuth(token: string) {
  const expectedToken = digest(token);
  const expectedSession = digest(sessionValue(token));
  return (req: Request, res: Response, next: NextFunction): void => {
    if (OPEN_PATHS.has(req.path)) return next();
    const header = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    if (header && timingSafeEqual(digest(header[1] as string), expectedToken)) return next();
    const session = readCookie(req, SESSION_COOKIE);
    if (session !== undefined && timingSafeEqual(digest(session), expectedSession)) return next();
    res.set('WWW-Authenticate', 'Bearer').status(401);
    if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(renderLoginPage({ next: req.originalUrl }));
      return;
    }
    res.json({ error: 'unauthorized' });
  };
}

export function tokenMatches(candidate: string, token: string): boolean {
  return timingSafeEqual(digest(candidate), digest(token));
}

/**
 * The cookie's value: derived from the token, so the token itself never sits in a cookie jar,
 * and rotating the token signs every browser out.
 */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('strata-ui-session-v1').digest('base64url');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
