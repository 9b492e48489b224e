import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { MINIMAL_PIPELINE, writeTempConfig } from '../helpers/config.ts';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function tempConfig(text: string): string {
  const { file, cleanup } = writeTempConfig(text);
  cleanups.push(cleanup);
  return file;
}

describe('strata validate', () => {
  it('exits 0 on the shipped config', async () => {
    const result = await runCli(['validate']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('config/pipeline.yaml: ok (4 assets');
  });

  it('exits 2 and prints file:line:col and the key for a broken config', async () => {
    const file = tempConfig(MINIMAL_PIPELINE.replace('deps: [middle]', 'deps: [midle]'));
    const result = await runCli(['validate', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `${file}:10:12: assets.sink.deps[0]: unknown asset "midle" (did you mean "middle"?)`,
    );
  });

  it('exits 2 for a config file that does not exist', async () => {
    const result = await runCli(['validate', '--config', '/nonexistent/pipeline.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read config /nonexistent/pipeline.yaml');
  });

  it('exits 2 for a device, before reading it (/dev/zero never ends)', async () => {
    const result = await runCli(['validate', '--config', '/dev/zero'], { timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'cannot read config /dev/zero: not a regular file (a device)',
    );
  });

  it('exits 2 for a config larger than 4 MiB, before reading it', async () => {
    const file = tempConfig(`version: 1\n# ${'x'.repeat(4 * 1024 * 1024)}\n`);
    const result = await runCli(['validate', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is more than the 4 MiB a config may have');
  });

  it('exits 2 with a position for a YAML alias bomb', async () => {
    const levels = ['l0: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 9; i++) {
      const [prev, next] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      levels.push(`l${i}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const file = tempConfig(`version: 1\n${levels.join('\n')}\n`);
    const result = await runCli(['validate', '--config', file], { timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(`${file}:3:9: aliases expand too far`)).toBe(true);
  });

  it('prints JSON with --json', async () => {
    const result = await runCli(['validate', '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, assets: 4 });
  });
});

describe('strata graph', () => {
  it('prints the four shipped assets in dependency order', async () => {
    const result = await runCli(['graph']);
    expect(result.code).toBe(0);
    const keys = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/)[0]);
    expect(keys).toEqual(['raw_crypto_batches', 'crypto_raw', 'crypto_stage', 'crypto_curated']);
  });

  it('renders a selection as mermaid', async () => {
    const result = await runCli(['graph', '--select', '+crypto_stage', '--format', 'mermaid']);
    expect(result.stdout).toBe(
      'graph LR\n  raw_crypto_batches[raw_crypto_batches]\n  crypto_raw[crypto_raw]\n  crypto_stage[crypto_stage]\n' +
        '  raw_crypto_batches --> crypto_raw\n  crypto_raw --> crypto_stage\n',
    );
  });

  it('renders JSON with deps and freshness', async () => {
    const result = await runCli(['graph', '--json']);
    const graph = JSON.parse(result.stdout) as { assets: Array<{ key: string; deps: string[] }> };
    expect(graph.assets.map((a) => a.key)).toHaveLength(4);
    expect(graph.assets[3]).toMatchObject({ key: 'crypto_curated', deps: ['crypto_stage'] });
  });

  it('exits 2 for an unknown asset in the selection, suggesting the nearest', async () => {
    const result = await runCli(['graph', '--select', 'crypto_stag']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('did you mean "crypto_stage"?');
  });

  it('exits 2 for an unknown command', async () => {
    const result = await runCli(['materialise']);
    expect(result.code).toBe(2);
  });
});
