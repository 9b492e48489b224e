import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from '../../redis/connection.ts';

/** A browser session lasts a working day; API clients send the bearer header instead. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** Tolerated clock difference between replicas signing and checking a session. */
const CLOCK_SKEW_MS = 60_000;

const VERSION = 's2';

export interface Session {
  id: string;
  issuedAt: number;
}

export type SessionCheck =
  { ok: true; session: Session } | { ok: false; reason: 'malformed' | 'expired' | 'revoked' };

/**
 * Browser sessions: `s2.<id>.<issuedAt>.<mac>`, signed with an HMAC keyed by the API token.
 * The server checks the signature, the age (expiry is enforced here, not by the browser's
 * Max-Age), and a revocation list in Redis that sign-out writes, so a copied cookie stops
 * working everywhere the moment its owner signs out, on every replica. Rotating the token
 * invalidates every session at once. A revocation lives only as long as the session could.
 */
export class SessionStore {
  private readonly key: Buffer;

  constructor(
    token: string,
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {
    // A key of its own, derived from the token: the token itself never signs anything else.
    this.key = createHmac('sha256', token).update('strata-ui-session-key-v2').digest();
  }

  issue(now = Date.now()): { value: string; maxAgeSeconds: number } {
    const id = randomBytes(16).toString('base64url');
    const payload = `${VERSION}.${id}.${now}`;
    return {
      value: `${payload}.${this.mac(payload)}`,
      maxAgeSeconds: Math.floor(this.ttlMs / 1000),
    };
  }

  /** Signature and age first (no Redis round trip for a forged or stale cookie), then revocation. */
  async check(value: string, now = Date.now()): Promise<SessionCheck> {
    const session = this.verify(value);
    if (!session) return { ok: false, reason: 'malformed' };
    if (session.issuedAt > now + CLOCK_SKEW_MS || now - session.issuedAt >= this.ttlMs)
      return { ok: false, reason: 'expired' };
    if ((await this.redis.exists(this.revokedKey(session.id))) === 1)
      return { ok: false, reason: 'revoked' };
    return { ok: true, session };
  }

  /** Sign-out: the session is refused from now on, until it would have expired anyway. */
  async revoke(value: string, now = Date.now()): Promise<boolean> {
    const session = this.verify(value);
    if (!session) return false;
    const remaining = session.issuedAt + this.ttlMs + CLOCK_SKEW_MS - now;
    if (remaining <= 0) return false;
    await this.redis.set(this.revokedKey(session.id), String(now), 'PX', remaining);
    return true;
  }

  private verify(value: string): Session | undefined {
    const parts = value.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
    const [, id, issued, mac] = parts as [string, string, string, string];
    if (!/^[A-Za-z0-9_-]{22}$/.test(id) || !/^\d{1,15}$/.test(issued)) return undefined;
    const expected = Buffer.from(this.mac(`${VERSION}.${id}.${issued}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { id, issuedAt: Number(issued) };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  private revokedKey(id: string): string {
    return `${this.keyPrefix}session:revoked:${id}`;
  }
}
