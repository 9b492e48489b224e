import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { escapeHtml } from '../ui/escape.ts';

/**
 * The status a failed request answers with. Middleware marks client errors with `status` (or
 * `statusCode`): a body over the limit is 413, malformed JSON 400. Those keep their 4xx; all
 * else is the server's fault, 500.
 */
export function statusOf(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
    const code = typeof status === 'number' ? status : statusCode;
    if (typeof code === 'number' && code >= 400 && code < 500) return code;
  }
  return 500;
}

/**
 * Last in the chain: the status's standard phrase and nothing of the error itself (messages
 * of parsers and drivers name files, keys and hosts); the log has the details.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = statusOf(error);
    if (status >= 500) logger.error({ err: errorMessage(error), path: req.path }, 'request failed');
    else logger.debug({ err: errorMessage(error), path: req.path, status }, 'client error');
    if (res.headersSent) return;
    sendError(req, res, status);
  };
}

/** After every route: an unknown path is a plain 404 that does not echo the path. */
export function notFound() {
  return (req: Request, res: Response): void => sendError(req, res, 404);
}

function sendError(req: Request, res: Response, status: number): void {
  const phrase = (STATUS_CODES[status] ?? 'Error').toLowerCase();
  res.status(status);
  if (req.accepts(['json', 'html']) === 'html') {
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${status}</title></head><body><h1>${status} ${escapeHtml(phrase)}</h1><p><a href="/">Strata</a></p></body></html>`,
      );
    return;
  }
  res.json({ error: phrase });
}
