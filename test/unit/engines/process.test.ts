import { describe, expect, it } from 'vitest';
import { runProcess } from '../../../src/engines/dbt/subprocess.ts';
import { isAlive } from '../../helpers/processes.ts';

// Real child processes (node itself), no shell: the lifecycle rules of the dbt runner.
function node(script: string, extra: Partial<Parameters<typeof runProcess>[0]> = {}) {
  const lines: string[] = [];
  const outcome = runProcess({
    command: process.execPath,
    args: ['-e', script],
    cwd: process.cwd(),
    env: process.env,
    graceMs: 300,
    stopSignal: 'SIGINT',
    onLine: (line, stream) => lines.push(`${stream}:${line}`),
    ...extra,
  });
  return { outcome, lines };
}

describe('runProcess', () => {
  it('streams stdout and stderr line by line and reports the exit code', async () => {
    const { outcome, lines } = node('console.log("a\\nb"); console.error("c"); process.exit(3)');
    await expect(outcome).resolves.toMatchObject({ exitCode: 3, stoppedBy: undefined });
    expect(lines.sort()).toEqual(['stderr:c', 'stdout:a', 'stdout:b']);
  });

  it('passes arguments without a shell', async () => {
    const { outcome, lines } = node('console.log(process.argv[1])', {
      args: ['-e', 'console.log(process.argv[1])', '$(echo injected); rm -rf /'],
    });
    await outcome;
    expect(lines).toEqual(['stdout:$(echo injected); rm -rf /']);
  });

  it('stops the process with the polite signal on abort', async () => {
    const controller = new AbortController();
    let pid = 0;
    const { outcome } = node(
      'process.on("SIGINT", () => process.exit(130)); console.log("ready"); setInterval(() => {}, 1000)',
      {
        signal: controller.signal,
        onLine: () => controller.abort(),
        onSpawn: (p) => (pid = p),
      },
    );
    await expect(outcome).resolves.toMatchObject({ stoppedBy: 'abort', exitCode: 130 });
    expect(isAlive(pid)).toBe(false);
  });

  it('kills with SIGKILL after the grace when the polite signal is ignored, and reports the timeout', async () => {
    let pid = 0;
    const { outcome } = node('process.on("SIGINT", () => {}); setInterval(() => {}, 1000)', {
      timeoutMs: 200,
      onSpawn: (p) => (pid = p),
    });
    await expect(outcome).resolves.toMatchObject({ stoppedBy: 'timeout', exitSignal: 'SIGKILL' });
    expect(isAlive(pid)).toBe(false);
  });

  it('does not start at all when already aborted', async () => {
    let spawned = false;
    const { outcome } = node('console.log("x")', {
      signal: AbortSignal.abort(),
      onSpawn: () => (spawned = true),
    });
    await expect(outcome).resolves.toMatchObject({ stoppedBy: 'abort', exitCode: null });
    expect(spawned).toBe(false);
  });
});
