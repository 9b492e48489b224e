import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { UsageError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { assertStrongToken, isLoopback } from './auth.ts';
import { errorHandler, notFound } from './security/errors.ts';

export interface ListenOptions {
  host: string;
  port: number;
  /** Required when host is not a loopback address. */
  apiToken?: string;
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

/** Listens; close() stops accepting, lets requests finish within the grace time, then drops the rest. */
export async function listen(app: Express, options: ListenOptions): Promise<RunningServer> {
  assertSafeBinding(options.host, options.apiToken);
  app.use(notFound());
  app.use(errorHandler(options.logger));
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
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
        const timer = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 5_000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}
