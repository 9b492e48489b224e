import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServeApp } from '../../src/server/serve-app.ts';
import { SessionStore, SESSION_TTL_MS } from '../../src/server/security/sessions.ts';
import type { RunningServer } from '../../src/server/server.ts';
import { ProcessMetrics } from '../../src/monitoring/metrics/registry.ts';
import { UsageError } from '../../src/shared/errors.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createSandbox, type Sandbox } from './orchestrator-harness.ts';
import { cookieOf, serveSandbox } from './server-support.ts';

const PIPELINE = `version: 1
assets:
  only:
    kind: noop
`;

const TOKEN = 'security-test-token-0123456789';

describe('strata serve security (real Redis, BullMQ and HTTP)', () => {
  let sandbox: Sandbox;
  const servers: RunningServer[] = [];

  beforeEach(() => {
    sandbox = createSandbox();
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    await sandbox.cleanup();
  });

  async function serve(apiToken?: string) {
    const pipeline = sandbox.pipeline(PIPELINE);
    const orchestrator = await sandbox.connect(pipeline);
    const server = await serveSandbox(sandbox, orchestrator, pipeline, apiToken);
    servers.push(server);
    return { server, orchestrator };
  }

  function signIn(url: string, token = TOKEN): Promise<Response> {
    return fetch(`${url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token, next: '/' }),
      redirect: 'manual',
    });
  }

  it('sessions carry their issue time, expire on the server, and sign-out revokes a copied cookie', async () => {
    const { server, orchestrator } = await serve(TOKEN);
    const first = cookieOf(await signIn(server.url));
    const second = cookieOf(await signIn(server.url));
    expect(first).toMatch(/^strata_session=s2\.[\w-]{22}\.\d+\.[\w-]+$/);
    const issuedAt = Number(first.split('.')[2]);
    expect(Math.abs(issuedAt - Date.now())).toBeLessThan(60_000);
    const page = (cookie: string) =>
      fetch(`${server.url}/api/assets`, { headers: { cookie } }).then((r) => r.status);
    expect(await page(first)).toBe(200);

    // A copy of the cookie (another browser, a stolen jar) works until its owner signs out ...
    const logout = await fetch(`${server.url}/logout`, {
      method: 'POST',
      headers: { cookie: first },
      redirect: 'manual',
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    // ... then the server refuses it, while the other session lives on.
    expect(await page(first)).toBe(401);
    expect(await page(second)).toBe(200);

    // Expiry is the server's: a correctly signed session older than its lifetime is refused.
    const sameKey = new SessionStore(TOKEN, orchestrator.redis, sandbox.settings.keyPrefix);
    const old = sameKey.issue(Date.now() - SESSION_TTL_MS - 1_000).value;
    expect(await page(`strata_session=${old}`)).toBe(401);
    const fresh = sameKey.issue().value;
    expect(await page(`strata_session=${fresh}`)).toBe(200);
    // Tampering with the issue time breaks the signature.
    const [v, id, , mac] = old.split('.');
    expect(await page(`strata_session=${v}.${id}.${Date.now()}.${mac}`)).toBe(401);
  });

  it('sends CSP with frame-ancestors and no X-Powered-By on every kind of answer', async () => {
    const { server } = await serve(TOKEN);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const answers = {
      page: await fetch(`${server.url}/`, { headers: bearer }),
      bullBoard: await fetch(`${server.url}/queues`, { headers: bearer }),
      bullBoardApi: await fetch(`${server.url}/queues/api/queues`, { headers: bearer }),
      bullBoardStatic: await fetch(`${server.url}/queues/static/images/logo.svg`, {
        headers: bearer,
      }),
      loginPage: await fetch(`${server.url}/login`),
      unauthorized: await fetch(`${server.url}/`, { headers: { accept: 'text/html' } }),
      notFound: await fetch(`${server.url}/no/such/page`, { headers: bearer }),
      tooLarge: await fetch(`${server.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ token: 'x'.repeat(10_000) }),
      }),
      health: await fetch(`${server.url}/healthz`),
    };
    const statuses = Object.fromEntries(Object.entries(answers).map(([k, r]) => [k, r.status]));
    expect(statuses).toEqual({
      page: 200,
      bullBoard: 200,
      bullBoardApi: 200,
      bullBoardStatic: 200,
      loginPage: 200,
      unauthorized: 401,
      notFound: 404,
      tooLarge: 413,
      health: 200,
    });
    for (const [name, response] of Object.entries(answers)) {
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, name).toContain("frame-ancestors 'none'");
      expect(csp, name).toContain("default-src 'self'");
      expect(csp, name).toContain("script-src 'self'");
      expect(csp, name).not.toMatch(/https?:/);
      expect(response.headers.get('x-frame-options'), name).toBe('DENY');
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(response.headers.get('x-powered-by'), name).toBeNull();
    }
    // Bull Board's page is ours: its own scripts, nothing from another host (no Google Fonts).
    const board = await (await fetch(`${server.url}/queues`, { headers: bearer })).text();
    expect(board).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...board.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.filter((a) => a?.endsWith('.js')).length).toBeGreaterThan(0);
    for (const asset of assets)
      expect((await fetch(`${server.url}/queues/${asset}`, { headers: bearer })).status).toBe(200);
  });

  it('rate-limits sign-in attempts, and refuses to start with a short token', async () => {
    const { server, orchestrator } = await serve(TOKEN);
    for (let i = 0; i < 10; i++) expect((await signIn(server.url, `wrong-${i}`)).status).toBe(401);
    const limited = await signIn(server.url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('set-cookie')).toBeNull();
    expect(await limited.text()).toContain('Too many sign-in attempts');
    // The bearer header is not a guess at the form: API clients keep working.
    expect(
      (await fetch(`${server.url}/api/assets`, { headers: { authorization: `Bearer ${TOKEN}` } }))
        .status,
    ).toBe(200);

    expect(() =>
      createServeApp({
        redis: orchestrator.redis,
        keyPrefix: sandbox.settings.keyPrefix,
        registry: new ProcessMetrics({ defaultMetrics: false }).registry,
        instance: 'short',
        logger: createLogger('short', 'silent'),
        apiToken: 'too-short',
        pipeline: orchestrator.pipeline,
        events: orchestrator.events,
        runs: orchestrator.runs,
        queue: orchestrator.queue.queue,
        queuePrefix: sandbox.settings.queuePrefix,
      }),
    ).toThrow(UsageError);
  });

  it('maps client errors to 4xx without echoing internals', async () => {
    const { server } = await serve(TOKEN);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const tooLarge = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ token: 'x'.repeat(10_000) }),
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: 'payload too large' });

    const badJson = await fetch(`${server.url}/queues/api/queues/pause`, {
      method: 'PUT',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{"not json',
    });
    expect(badJson.status).toBe(400);
    const badText = await badJson.text();
    expect(badText).not.toMatch(/JSON|position|Unexpected|at \w+ \(/);

    const missing = await fetch(`${server.url}/api/<script>/x`, { headers: bearer });
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('script');
  });

  it('read-only Bull Board refuses a pause with 403 and pauses nothing', async () => {
    const { server, orchestrator } = await serve();
    const pause = await fetch(`${server.url}/queues/api/queues/pause`, { method: 'PUT' });
    expect(pause.status).toBe(403);
    expect(((await pause.json()) as { error: string }).error).toMatch(/read-only.*nothing/);
    const one = await fetch(`${server.url}/queues/api/queues/${sandbox.settings.queueName}/pause`, {
      method: 'PUT',
    });
    expect(one.status).toBe(403);
    expect(await orchestrator.queue.queue.isPaused()).toBe(false);
    // Looking still works.
    expect((await fetch(`${server.url}/queues/api/queues`)).status).toBe(200);
  });
});
