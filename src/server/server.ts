import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { UsageError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { assertStrongToken, isLoopback } from './auth.ts';
import { hostRejection, originRejection } from './security/request-guards.ts';
import { errorHandler, notFound } from './security/errors.ts';

export interface ListenOptions {
  host: string;
  port: number;
  /** Required when host is not a loopback address. */
  apiToken?: string;
  /** Host names accepted on a loopback bind besides localhost, 127.x.y.z and ::1. */
  allowedHosts?: readonly string[];
  logger: Logger;
  /** How long open requests may take to finish on close before connections are dropped. */
  graceMs?: number;
}

/** Refuses to expose the API beyond this machine without a token, or with a short one. */
export function assertSafeBinding(host: string, apiToken: string | undefined): void {
  assertStrongToken(apiToken);
  if (!isLoopback(host) && !apiToken) {
    throw new UsageError(
      `refusing to listen on ${host} without a token: set STRATA_API_TOKEN (clients send "Authorization: Bearer <token>"), or bind 127.0.0.1`,
    );
  }
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens, refusing requests from other sites and, on loopback, for other host names (see
 * security/request-guards.ts); close() stops accepting, lets requests finish within the grace
 * time, then drops the rest.
 */
export async function listen(app: Express, options: ListenOptions): Promise<RunningServer> {
  assertSafeBinding(options.host, options.apiToken);
  app.use(notFound());
  app.use(errorHandler(options.logger));
  const policy = { bindHost: options.host, allowedHosts: options.allowedHosts ?? [] };
  // Before express: no route, authentication included, sees a refused request.
  const server: Server = createServer((req, res) => {
    const refused =
      hostRejection(req.headers.host, policy) ?? originRejection(req.method ?? 'GET', req.headers);
    if (refused === undefined) {
      app(req, res);
      return;
    }
    res.writeHead(403, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: refused }));
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void =>
      reject(listenError(error, options.host, options.port));
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const hook of beforeClose(app)) hook();
        const timer = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 5_000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}

/** A port taken or forbidden is the user's to fix: say which, in one line (exit 2). */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new UsageError(`port ${port} is already in use on ${host}: pick another with --port`, {
      cause: error,
    });
  if (error.code === 'EACCES')
    return new UsageError(`not allowed to listen on port ${port} on ${host}`, { cause: error });
  if (error.code === 'EADDRNOTAVAIL')
    return new UsageError(`cannot listen on ${host}: not an address of this machine`, {
      cause: error,
    });
  return error;
}

function beforeClose(app: Express): Array<() => void> {
  const hooks: unknown = app.locals.strataBeforeClose;
  return Array.isArray(hooks) ? (hooks as Array<() => void>) : [];
}
