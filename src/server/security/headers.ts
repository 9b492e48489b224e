import helmet from 'helmet';

/**
 * Security headers for every response (pages, Bull Board, the sign-in form, errors, JSON):
 * helmet's defaults plus a policy that only loads scripts, styles and data from this server.
 * Everything a page needs is served from the package, so nothing from another host is allowed
 * and the UI works offline. No frame may embed a page (clickjacking), and `X-Powered-By` goes.
 *
 * `style-src 'unsafe-inline'` stays because Bull Board's React page sets style attributes;
 * scripts get no such allowance. `upgrade-insecure-requests` is off: the server is often reached
 * over plain HTTP on a private network, and upgrading would break every subresource there.
 */
export function securityHeaders() {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
    // Not helmet's no-referrer: with it, browsers send `Origin: null` on a same-site form post,
    // which the Origin guard must refuse. same-origin still tells other sites nothing.
    referrerPolicy: { policy: 'same-origin' },
    // Cross-origin isolation headers would break nothing here, but COEP blocks the data: fonts
    // some browsers fall back to; the rest of helmet's defaults apply unchanged.
    crossOriginEmbedderPolicy: false,
  });
}
