import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import type { HTTPStatus } from '@bull-board/api/typings/app';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type Express, type Request, type Response } from 'express';
import { statusOf } from './security/errors.ts';
import { renderBullBoardPage } from './ui/bull-board-page.ts';

export interface BullBoardOptions {
  /** Where the router is mounted; Bull Board's page builds its links and API calls from it. */
  basePath: string;
  /** No retry, clean, pause, add or obliterate buttons: anyone who can reach the page only looks. */
  readOnly: boolean;
  /** BullMQ key prefix, shown beside the queue name. */
  queuePrefix: string;
}

const UI_CONFIG = {
  boardTitle: 'Strata queues',
  favIcon: { default: 'static/images/logo.svg', alternative: 'static/favicon-32x32.png' },
  miscLinks: [{ text: 'Asset graph', url: '/' }],
};

/** The page routes of Bull Board's single-page app (its API lives under /api). */
const ENTRY_ROUTES = ['/', '/queue/:queueName', '/queue/:queueName/:jobId'];

/**
 * Bull Board over the asset queue, as an express router to mount at `basePath`.
 *
 * Two things differ from Bull Board's own router. Its page is ours (see renderBullBoardPage):
 * the stock template loads a Google font, and the UI must work offline and under a policy that
 * allows nothing from another host. And when read-only, every request that would change
 * something is refused with 403 before Bull Board sees it: Bull Board's own read-only mode
 * answers "All queues paused" to a pause of all queues while pausing none.
 */
export function bullBoardRouter(queue: Queue, options: BullBoardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(options.basePath);
  createBullBoard({
    queues: [
      new BullMQAdapter(queue, {
        readOnlyMode: options.readOnly,
        description: `one job per asset of a run (BullMQ prefix "${options.queuePrefix}")`,
      }),
    ],
    serverAdapter,
    options: { uiConfig: UI_CONFIG },
  });
  // Bull Board's own handler puts the error's message in the answer (Redis hosts, parser
  // details); ours answers with the status alone. It is read when an error happens, so
  // replacing it after createBullBoard takes effect.
  serverAdapter.setErrorHandler((error: Error) => {
    const status = statusOf(error) as HTTPStatus;
    return { status, body: { error: (STATUS_CODES[status] ?? 'error').toLowerCase() } };
  });
  const page = renderBullBoardPage({
    basePath: options.basePath.endsWith('/') ? options.basePath : `${options.basePath}/`,
    uiConfig: UI_CONFIG,
    assets: bullBoardAssets(),
  });

  const router = Router();
  if (options.readOnly) router.use(refuseWrites);
  router.get(ENTRY_ROUTES, (_req, res) => {
    res.type('html').set('Cache-Control', 'no-store').send(page);
  });
  // Bull Board's router is an express app of its own, which would announce itself.
  const board = serverAdapter.getRouter() as Express;
  board.disable('x-powered-by');
  router.use(board);
  return router;
}

function refuseWrites(req: Request, res: Response, next: () => void): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  res.status(403).json({
    error: 'Bull Board is read-only on this server (no STRATA_API_TOKEN): nothing was changed',
  });
}

/**
 * The scripts and stylesheets of the installed Bull Board UI, in the order its own template
 * lists them (their names carry content hashes that change with each release).
 */
export function bullBoardAssets(): { scripts: string[]; styles: string[] } {
  const require = createRequire(import.meta.url);
  const dist = path.join(path.dirname(require.resolve('@bull-board/ui/package.json')), 'dist');
  const template = readFileSync(path.join(dist, 'index.ejs'), 'utf8');
  const scripts = [...template.matchAll(/<script[^>]*\ssrc="(static\/[^"]+\.js)"/g)].map(
    (m) => m[1] as string,
  );
  const styles = [...template.matchAll(/<link[^>]*\shref="(static\/[^"]+\.css)"/g)].map(
    (m) => m[1] as string,
  );
  if (scripts.length === 0)
    throw new Error(`no scripts found in ${path.join(dist, 'index.ejs')}: Bull Board changed`);
  return { scripts, styles };
}
