import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { UsageError } from '../shared/errors.ts';
import type { SessionStore } from './security/sessions.ts';
import { renderLoginPage } from './ui/login-page.ts';

/**
 * Paths reachable without credentials: the health check a load balancer probes (it reveals
 * nothing but liveness) and the sign-in form.
 */
const OPEN_PATHS = new Set(['/healthz', '/login']);

/** Browsers cannot send a bearer header on navigation; after /login they send this cookie. */
export const SESSION_COOKIE = 'strata_session';

/**
 * Shortest token the server starts with. A token guards a network-facing server against
 * guessing (the sign-in form is rate-limited too); 16 characters of `openssl rand -hex 16`
 * output are 64 bits.
 */
export const MIN_TOKEN_LENGTH = 16;

/** Refuses a token too short to resist guessing, before anything listens. */
export function assertStrongToken(token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(
      `STRATA_API_TOKEN is ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (for example: openssl rand -hex 32)`,
    );
}

/**
 * Requires `Authorization: Bearer <token>`, or a live session cookie from /login, on every path
 * but the open ones. The token is compared as a hash in constant time, so neither its content
 * nor its length leaks through timing. A browser asking for a page gets the sign-in form with
 * the 401; API clients get JSON.
 */
export function bearerAuth(token: string, sessions: SessionStore) {
  const expectedToken = digest(token);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (OPEN_PATHS.has(req.path)) return next();
    const header = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    if (header && timingSafeEqual(digest(header[1] as string), expectedToken)) return next();
    const cookie = readCookie(req, SESSION_COOKIE);
    if (cookie !== undefined && (await sessions.check(cookie)).ok) return next();
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

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function readCookie(req: Request, name: string): string | undefined {
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
