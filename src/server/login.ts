import express, { Router, type Request, type Response } from 'express';
import { SESSION_COOKIE, sessionValue, tokenMatches } from './auth.ts';
import { renderLoginPage } from './ui/login-page.ts';

/** A browser session lasts a working day; API clients send the bearer header instead. */
const SESSION_SECONDS = 12 * 3600;

/**
 * GET/POST /login and POST /logout: a browser trades the token for a session cookie, so the
 * asset page and Bull Board (whose own page calls its API) work behind the bearer auth.
 * The cookie is HttpOnly and SameSite=Strict: scripts cannot read it and other sites cannot
 * make the browser send it.
 */
export function loginRouter(token: string): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.get('/login', (req, res) => {
    res.type('html').send(renderLoginPage({ next: localPath(req.query.next) }));
  });

  router.post('/login', form, (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = localPath(body.next);
    if (typeof body.token !== 'string' || !tokenMatches(body.token, token)) {
      res
        .status(401)
        .type('html')
        .send(renderLoginPage({ next, failed: true }));
      return;
    }
    res.set('Set-Cookie', cookie(sessionValue(token), SESSION_SECONDS, req.secure));
    res.redirect(303, next);
  });

  router.post('/logout', (req, res) => {
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
