import { describe, expect, it } from 'vitest';
import { sessionValue, tokenMatches } from '../../../src/server/auth.ts';
import { localPath } from '../../../src/server/login.ts';

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

  it('derives the session cookie from the token without containing it, and compares tokens exactly', () => {
    const token = 'a-long-secret-token';
    expect(sessionValue(token)).not.toContain(token);
    expect(sessionValue(token)).toBe(sessionValue(token));
    expect(sessionValue(token)).not.toBe(sessionValue(`${token}x`));
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token} `, token)).toBe(false);
  });
});
