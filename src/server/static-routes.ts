import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';

/** The browser code beside src/ (and dist/): web/ at the package root. */
const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * Every file a page may load, by name: the package's own scripts and uPlot. A fixed table, so
 * no request names a path on disk; everything comes from the package, so pages work offline.
 */
function staticFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const uplot = path.dirname(require.resolve('uplot/package.json'));
  return new Map([
    ['app.js', path.join(WEB_DIR, 'app.js')],
    ['live.js', path.join(WEB_DIR, 'live.js')],
    ['charts.js', path.join(WEB_DIR, 'charts.js')],
    ['operations.js', path.join(WEB_DIR, 'operations.js')],
    ['uplot.js', path.join(uplot, 'dist', 'uPlot.iife.min.js')],
    ['uplot.css', path.join(uplot, 'dist', 'uPlot.min.css')],
  ]);
}

/** GET /static/:name */
export function staticRouter(): Router {
  const files = staticFiles();
  const router = Router();
  router.get('/static/:name', (req, res, next) => {
    const file = files.get(req.params.name);
    if (file === undefined) return next();
    // Revalidated each time (ETag), so a new release is picked up without stale scripts.
    res.sendFile(file, { cacheControl: true, maxAge: 0, dotfiles: 'deny' });
  });
  return router;
}
