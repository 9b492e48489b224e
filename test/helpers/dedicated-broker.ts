import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveStackConfig, stackDown, stackUp, type StackConfig } from '../../src/stack/index.ts';

/**
 * A Kafka broker of a test's own, started through the stack API: its own port and its own state
 * folder (jars, freshly formatted data, logs, pid file), so a test may stop it, restart it or
 * meet it cold without touching the developer's broker or another run of the same test.
 */
export interface DedicatedBroker {
  brokers: string[];
  config: StackConfig;
  stop(): Promise<void>;
}

export async function startDedicatedBroker(
  progress: (message: string) => void,
): Promise<DedicatedBroker> {
  const port = await freePortPair();
  const brokers = [`127.0.0.1:${port}`];
  // The jars are copied from the local Maven repository after the first run, which takes seconds.
  const stateDir = await mkdtemp(path.join(tmpdir(), 'strata-test-broker-'));
  const config = resolveStackConfig({
    ...process.env,
    KAFKA_BROKERS: brokers.join(','),
    STRATA_STACK_DIR: stateDir,
  });
  await stackUp({ services: ['kafka'], config, onProgress: progress });
  return {
    brokers,
    config,
    stop: async () => {
      await stackDown({ services: ['kafka'], config, onProgress: progress });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Progress lines of a dedicated broker on stderr, with the seconds since the file loaded. */
export function brokerProgress(): (message: string) => void {
  const loaded = Date.now();
  return (message) => {
    const at = ((Date.now() - loaded) / 1000).toFixed(1);
    process.stderr.write(`[test broker +${at}s] ${message}\n`);
  };
}

/** A free port whose neighbour is free too: the KRaft controller listens on the broker port + 1. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOn(0);
    if (
      port < 65_535 &&
      (await listenOn(port + 1).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
  throw new Error('no two consecutive free ports found');
}

/** Listens on the port (0: any) of 127.0.0.1, closes again, and returns the port it had. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}
