import { describe, expect, it } from 'vitest';
import { hostRejection, originRejection } from '../../../src/server/security/request-guards.ts';

describe('hostRejection (DNS rebinding guard)', () => {
  const loopback = { bindHost: '127.0.0.1', allowedHosts: ['strata.internal'] };

  it.each(['localhost:3000', '127.0.0.1:3000', '127.0.0.1', '[::1]:3000', 'LOCALHOST:3000'])(
    'accepts the loopback name %s on a loopback bind',
    (host) => expect(hostRejection(host, loopback)).toBeUndefined(),
  );

  it('accepts a configured name', () => {
    expect(hostRejection('strata.internal:3000', loopback)).toBeUndefined();
  });

  it.each([
    'evil.example:3000',
    'localhost.evil.example:3000',
    '127.0.0.1.nip.io:3000',
    'strata.internal.evil.example',
    '',
    undefined,
  ])('refuses %s on a loopback bind', (host) => {
    expect(hostRejection(host, loopback)).toMatch(/is not allowed/);
  });

  it('does not judge names on a wider bind (a token is required there; names are the proxy’s)', () => {
    expect(
      hostRejection('strata.example.com', { bindHost: '0.0.0.0', allowedHosts: [] }),
    ).toBeUndefined();
  });
});

describe('originRejection (cross-site request guard)', () => {
  const host = '127.0.0.1:3000';

  it('lets reads through whatever their origin', () => {
    expect(
      originRejection('GET', {
        host,
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
      }),
    ).toBeUndefined();
  });

  it('accepts a POST from this origin, and one from a client that is not a browser', () => {
    expect(
      originRejection('POST', {
        host,
        origin: 'http://127.0.0.1:3000',
        'sec-fetch-site': 'same-origin',
      }),
    ).toBeUndefined();
    expect(originRejection('POST', { host })).toBeUndefined();
  });

  it.each([
    [{ origin: 'http://evil.example' }],
    [{ origin: 'http://127.0.0.1:4000' }],
    [{ origin: 'null' }],
    [{ 'sec-fetch-site': 'cross-site' }],
    [{ 'sec-fetch-site': 'same-site' }],
    [{ origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'cross-site' }],
  ])('refuses a POST with %o', (headers) => {
    expect(originRejection('POST', { host, ...headers })).toMatch(/refused/);
  });

  it('applies to every method that changes state', () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'post'])
      expect(originRejection(method, { host, origin: 'http://evil.example' })).toMatch(/refused/);
  });
});
