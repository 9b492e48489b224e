import express, { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { SESSION_COOKIE, readCookie, tokenMatches } from './auth.ts';
import type { SessionStore } from './security/sessions.ts';
import { renderLoginPage } from './ui/login-page.ts';

/** Sign-in attempts allowed per client address and window; successful ones do not count. */
export const LOGIN_ATTEMPTS = 10;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

/**
 * GET/POST /login and POST /logout: a browser trades the token for a session cookie, so the
 * pages and Bull Board (whose own page calls its API) work behind the bearer auth. The cookie is
 * HttpOnly and SameSite=Strict: scripts cannot read it and other sites cannot make the browser
 * send it. Signing out revokes the session on the server, not only in this browser.
 */
export function loginRouter(token: string, sessions: SessionStore): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  // Per process: behind N replicas an attacker gets N times the budget, still far too few
  // guesses for a token of MIN_TOKEN_LENGTH characters.
  const limiter = rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: LOGIN_ATTEMPTS,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      res
        .status(429)
        .type('html')
        .send(
          renderLoginPage({ next: '/', message: 'Too many sign-in attempts; try again later.' }),
        );
    },
  });

  router.get('/login', (req, res) => {
    res.type('html').send(renderLoginPage({ next: localPath(req.query.next) }));
  });

  router.post('/login', limiter, form, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = localPath(body.next);
    if (typeof body.token !== 'string' || !tokenMatches(body.token, token)) {
      res
        .status(401)
        .type('html')
        .send(renderLoginPage({ next, message: 'That token is not the one configured.' }));
      return;
    }
    const session = sessions.issue();
    res.set('Set-Cookie', cookie(session.value, session.maxAgeSeconds, req.secure));
    res.redirect(303, next);
  });

  router.post('/logout', async (req, res) => {
    const current = readCookie(req, SESSION_COOKIE);
    if (current !== undefined) await sessions.revoke(current);
    res.set('Set-Cookie', cookie('', 0, req.secure));
    res.redirect(303, '/login');
  });

  return router;
}

function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** Where to go after signing in: a path on this server only, never another site. */
export function localPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2_000) return '/';
  // Printable ASCII only: browsers drop tabs and newlines, so "/\t/evil.example" would leave.
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/';
}
