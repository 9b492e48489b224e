import { afterAll, describe, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { Resources, createTestTopic, testKafka } from '../integration/ingest-support.ts';
import { isolatedShippedConfig } from '../helpers/shipped-config.ts';
import { expectDemoSucceeded } from './demo-support.ts';

const resources = new Resources();
afterAll(() => resources.release());

describe('npm run demo -- --once', () => {
  it('produces, ingests, materializes the four assets with every check passing, and exits 0', async () => {
    const topic = await createTestTopic(resources, testKafka(), 3);
    const { file, env } = await isolatedShippedConfig(resources, topic);
    const result = await runCli(['--config', file, 'demo', '--once', '--ticks', '10'], {
      env,
      timeoutMs: 240_000,
    });
    expectDemoSucceeded(result, 10);
  }, 300_000);
});
