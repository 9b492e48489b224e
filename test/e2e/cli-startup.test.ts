import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { runCli } from '../helpers/cli.ts';
import { createSandbox, type Sandbox } from '../integration/orchestrator-harness.ts';

/**
 * A command loads its implementation only when it runs: these spawn `strata` with a module
 * trace preloaded and read which packages it loaded. Each case also names a package it must
 * load, so a broken trace cannot pass for a lean start.
 */
const TRACE = {
  NODE_OPTIONS: `--import=${path.join(PROJECT_ROOT, 'test/helpers/module-trace.js')}`,
};
const HEAVY = ['kafkajs', 'bullmq', 'ioredis', '@duckdb/node-api', '@aws-sdk/client-s3', 'express'];
const shipped = path.join(PROJECT_ROOT, 'config', 'pipeline.yaml');

function packagesIn(stderr: string): Set<string> {
  const loaded = new Set<string>();
  for (const match of stderr.matchAll(/^module-trace (\S+)$/gm)) loaded.add(match[1] ?? '');
  return loaded;
}

describe('strata start-up', () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.cleanup();
    sandbox = undefined;
  });

  it('--help loads commander and none of the services’ clients', async () => {
    const result = await runCli(['--help'], { env: TRACE });
    expect(result.code).toBe(0);
    const loaded = packagesIn(result.stderr);
    expect(loaded).toContain('commander');
    for (const heavy of HEAVY) expect(loaded).not.toContain(heavy);
  });

  it('validate loads the config parsers and none of the services’ clients', async () => {
    const result = await runCli(['validate', '--config', shipped], { env: TRACE });
    expect(result.code).toBe(0);
    const loaded = packagesIn(result.stderr);
    expect(loaded).toContain('yaml');
    expect(loaded).toContain('zod');
    for (const heavy of HEAVY) expect(loaded).not.toContain(heavy);
  });

  it('an idle worker on the shipped pipeline loads BullMQ but not DuckDB, the AWS SDK, Kafka or the server', async () => {
    sandbox = createSandbox();
    const worker = sandbox.spawnWorker(shipped, { env: TRACE });
    await worker.ready;
    worker.child.kill('SIGTERM');
    const code = await worker.exited;
    expect(code).toBe(0);
    const loaded = packagesIn(worker.stderr());
    expect(loaded).toContain('bullmq');
    expect(loaded).toContain('prom-client');
    for (const heavy of ['@duckdb/node-api', '@aws-sdk/client-s3', 'kafkajs', 'express'])
      expect(loaded).not.toContain(heavy);
  });
});
