import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { runCli } from '../helpers/cli.ts';
import { deleteKeysUnder } from '../helpers/redis.ts';
import { Resources, createTestTopic, tempDir, testKafka } from '../integration/ingest-support.ts';

const resources = new Resources();
afterAll(() => resources.release());

/**
 * The shipped config, isolated: its own topic, group, data folder and Redis prefixes, so the
 * demo runs exactly as `npm run demo -- --once` does without touching a developer's pipeline.
 */
async function isolatedDemoConfig(): Promise<{ file: string; env: NodeJS.ProcessEnv }> {
  const dir = await tempDir(resources, 'demo');
  const topic = await createTestTopic(resources, testKafka(), 3);
  const shipped = readFileSync(path.join(PROJECT_ROOT, 'config', 'pipeline.yaml'), 'utf8');
  const replacements: Array<[string, string]> = [
    ['topic: selected_crypto_data', `topic: ${topic.topic}`],
    ['groupId: crypto-s3-sink', `groupId: ${topic.groupId}`],
    ['dbtProject: ./dbt', `dbtProject: ${path.join(PROJECT_ROOT, 'dbt')}`],
  ];
  let text = shipped;
  for (const [from, to] of replacements) {
    expect(text, `the shipped config has "${from}"`).toContain(from);
    text = text.replace(from, to);
  }
  const file = path.join(dir, 'pipeline.yaml');
  writeFileSync(file, text);

  const id = randomUUID().slice(0, 8);
  const keyPrefix = `test-demo-${id}:`;
  const queuePrefix = `test-demo-bull-${id}`;
  resources.add(() => deleteKeysUnder(keyPrefix, `${queuePrefix}:`));
  return {
    file,
    env: {
      STRATA_DATA_DIR: path.join(dir, 'data'),
      STRATA_KEY_PREFIX: keyPrefix,
      STRATA_QUEUE_PREFIX: queuePrefix,
    },
  };
}

describe('npm run demo -- --once', () => {
  it('produces, ingests, materializes the four assets with every check passing, and exits 0', async () => {
    const { file, env } = await isolatedDemoConfig();
    const result = await runCli(['--config', file, 'demo', '--once', '--ticks', '10'], {
      env,
      timeoutMs: 240_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('sent 30 messages in 10 tick(s)');
    expect(result.stdout).toMatch(/run run-\S+ succeeded in .*: 4 succeeded/);
    for (const asset of ['raw_crypto_batches', 'crypto_raw', 'crypto_stage', 'crypto_curated']) {
      expect(result.stdout).toMatch(
        new RegExp(`^${asset}\\s+\\S+\\s+succeeded\\s.*\\sfresh\\s`, 'm'),
      );
    }
    expect(result.stdout).toMatch(/^crypto_raw\s.*11\/11 passed/m);
  }, 300_000);
});
