import { createServer } from 'node:net';

/**
 * `count` ports p such that p and p + 1 were both free on 127.0.0.1 a moment ago: a Kafka node
 * of the stack takes its broker port and, for its controller, the next one. Another process may
 * take one before the broker binds it; the broker then fails to start with a clear log line.
 */
export async function freePortPairs(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; attempt < 20 * count && ports.length < count; attempt++) {
    const port = await listenOn(0);
    const taken = ports.some((p) => Math.abs(p - port) <= 1);
    if (
      !taken &&
      port < 65_535 &&
      (await listenOn(port + 1).then(
        () => true,
        () => false,
      ))
    )
      ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} pairs of consecutive free ports found`);
  return ports;
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

/**
 * `count` ports p in 20000-29999 such that p and p + 10000 were both free a moment ago: a Redis
 * Cluster node takes its port and, for the cluster bus, the port 10000 above it.
 */
export async function freeRedisClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; attempt < 50 * count && ports.length < count; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (ports.includes(port)) continue;
    const free = await Promise.all([port, port + 10_000].map(isFree));
    if (free.every(Boolean)) ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} free Redis Cluster ports found`);
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}
