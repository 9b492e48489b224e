import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

interface Connection {
  client: Socket;
  upstream: Socket;
  /** Saw a freeze: its byte stream has a hole, so it is never forwarded again. */
  broken: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a real service, for outage tests. It can fail the ways a
 * network does:
 * - `stop()` / `restart()`: the endpoint goes away (connections reset, new ones refused);
 * - `freeze()` / `thaw()`: the endpoint hangs (connections accepted and held open, nothing
 *   forwarded either way, no reply ever), as a partition or a stuck proxy does;
 * - `stallResponses(bytes)`: replies stop after `bytes` more bytes (headers arrived, body stalls).
 */
export class TcpProxy {
  private readonly connections = new Set<Connection>();
  private frozen = false;
  private downstreamBudget: number | null = null;
  private readonly server: Server;
  /** Bytes dropped because of a freeze or stall: proof the proxy really held something back. */
  held = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private listenPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(target: string | URL): Promise<TcpProxy> {
    const url = new URL(target);
    const proxy = new TcpProxy(url.hostname, Number(url.port), 0);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.listenPort}`;
  }

  /** Connections currently open through the proxy. */
  get open(): number {
    return this.connections.size;
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Forwards again; connections that lived through the freeze are dropped (their streams have holes). */
  thaw(): void {
    this.frozen = false;
    this.downstreamBudget = null;
    for (const c of this.connections) if (c.broken) this.drop(c);
  }

  /** Lets `bytes` more bytes of replies through, then holds every later reply byte. */
  stallResponses(bytes: number): void {
    this.downstreamBudget = bytes;
  }

  /** Stops listening and resets every connection. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) this.drop(c);
    await closed;
  }

  /** Listens again on the same port. */
  restart(): Promise<void> {
    return this.listen();
  }

  /** Stops for good (test cleanup); safe to call twice. */
  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  private listen(): Promise<void> {
    return new Promise((resolve) =>
      this.server.listen(this.listenPort, '127.0.0.1', () => {
        this.listenPort = (this.server.address() as AddressInfo).port;
        resolve();
      }),
    );
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    const c: Connection = { client, upstream, broken: this.frozen };
    this.connections.add(c);
    client.on('error', () => this.drop(c));
    client.on('close', () => this.drop(c));
    // The service may finish and hang up; a held connection stays open to the client all the same.
    upstream.on('error', () => c.broken || this.drop(c));
    upstream.on('close', () => c.broken || this.drop(c));
    client.on('data', (chunk: Buffer) => {
      if (this.holds(c, chunk)) return;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.holds(c, chunk)) return;
      if (this.downstreamBudget !== null) {
        const passed = chunk.subarray(0, this.downstreamBudget);
        this.downstreamBudget -= passed.length;
        this.held += chunk.length - passed.length;
        if (passed.length < chunk.length) c.broken = true;
        if (passed.length > 0) client.write(passed);
        return;
      }
      client.write(chunk);
    });
  }

  private holds(c: Connection, chunk: Buffer): boolean {
    if (this.frozen) c.broken = true;
    if (!c.broken) return false;
    this.held += chunk.length;
    return true;
  }

  private drop(c: Connection): void {
    if (!this.connections.delete(c)) return;
    c.client.destroy();
    c.upstream.destroy();
  }
}
