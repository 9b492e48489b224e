import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('strata serve on a port already in use', () => {
  let holder: Server | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  });

  it('exits 2 with one line naming the port instead of hanging on its Redis connection', async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder!.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;

    // Past the timeout the process is killed and the exit code is null.
    const result = await runCli(['serve', '--port', String(port)], { timeoutMs: 45_000 });
    expect(result.stderr).toBe(
      `port ${port} is already in use on 127.0.0.1: pick another with --port\n`,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
  }, 60_000);
});
