import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from '../auth.ts';

/**
 * Checks on every request before any route runs, against browsers being turned on a local
 * server: DNS rebinding (a page on evil.example whose name now resolves to 127.0.0.1 reads and
 * posts as if same-origin) and cross-site requests (a page making the browser post a form to
 * 127.0.0.1, with its cookie). Each function returns why a request is refused, or undefined.
 */
export interface HostPolicy {
  /** The address the server listens on; Host names are checked only on loopback. */
  bindHost: string;
  /** Host names accepted besides the loopback ones (e.g. a name in /etc/hosts). */
  allowedHosts: readonly string[];
}

/**
 * On a loopback bind, the Host header must name this machine (localhost, 127.x.y.z, ::1) or an
 * allowed name: a rebound DNS name arrives with the attacker's host name. A server bound to a
 * wider address needs a token anyway (and sits behind names this code cannot know).
 */
export function hostRejection(host: string | undefined, policy: HostPolicy): string | undefined {
  if (!isLoopback(policy.bindHost)) return undefined;
  const name = hostName(host);
  if (name !== undefined && (isLoopback(name) || policy.allowedHosts.includes(name)))
    return undefined;
  return `host "${host ?? ''}" is not allowed: this server answers to localhost, 127.0.0.1 and ::1 (add names with STRATA_ALLOWED_HOSTS)`;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request that changes state must not come from another site: browsers send Sec-Fetch-Site
 * and Origin on such requests, and both must say this origin. Clients that send neither (curl,
 * the CLI) are not browsers and carry no ambient cookie to abuse.
 */
export function originRejection(method: string, headers: IncomingHttpHeaders): string | undefined {
  if (SAFE_METHODS.has(method.toUpperCase())) return undefined;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `cross-site ${method} refused (Sec-Fetch-Site: ${site})`;
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `${method} refused: Origin "${origin}" is not this server`;
  }
  if (originHost === '' || originHost.toLowerCase() !== (headers.host ?? '').toLowerCase())
    return `${method} refused: Origin "${origin}" is not this server`;
  return undefined;
}

/** The host name of a Host header (`name:port`, `[::1]:port`), lower-cased, without brackets. */
function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return undefined;
  }
}
