import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { assertStrongToken, tokenMatches } from '../../../src/server/auth.ts';
import { localPath } from '../../../src/server/login.ts';
import { SESSION_TTL_MS, SessionStore } from '../../../src/server/security/sessions.ts';
import { UsageError } from '../../../src/shared/errors.ts';

/** Signature and age are checked before Redis is asked; a call to it would fail the test. */
const unreachable = new Proxy({} as Redis, {
  get: () => {
    throw new Error('Redis must not be asked about a session rejected on its face');
  },
});

describe('sign-in helpers', () => {
  it('sends a browser back only to a path on this server', () => {
    expect(localPath('/queues/queue/strata-assets?status=failed')).toBe(
      '/queues/queue/strata-assets?status=failed',
    );
    for (const outside of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
      '',
      undefined,
      ['/a'],
      `/${'a'.repeat(2_000)}`,
    ])
      expect(localPath(outside)).toBe('/');
  });

  it('compares tokens exactly and refuses tokens shorter than 16 characters', () => {
    const token = 'a-long-secret-token';
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token} `, token)).toBe(false);
    expect(() => assertStrongToken('fifteen-chars-x')).toThrow(UsageError);
    expect(() => assertStrongToken('sixteen-chars-xx')).not.toThrow();
    expect(() => assertStrongToken(undefined)).not.toThrow();
  });

  it('signs sessions with an issue time and rejects forged, foreign and expired ones without Redis', async () => {
    const token = 'a-long-secret-token';
    const store = new SessionStore(token, unreachable, 'p:');
    const now = 1_800_000_000_000;
    const { value, maxAgeSeconds } = store.issue(now);
    expect(value).not.toContain(token);
    expect(value.split('.')[2]).toBe(String(now));
    expect(maxAgeSeconds).toBe(SESSION_TTL_MS / 1000);
    expect(store.issue(now).value).not.toBe(value);

    const [version, id, , mac] = value.split('.') as [string, string, string, string];
    const later = `${version}.${id}.${now + 3_600_000}.${mac}`;
    expect(await store.check(later, now)).toEqual({ ok: false, reason: 'malformed' });
    const other = new SessionStore(`${token}-rotated`, unreachable, 'p:');
    expect(await other.check(value, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(await store.check(value, now + SESSION_TTL_MS)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(await store.check(value, now - 10 * 60_000)).toEqual({ ok: false, reason: 'expired' });
    expect(await store.check('garbage', now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
