import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { deleteKeysUnder } from '../helpers/redis.ts';
import { tempDir, type Resources } from '../integration/ingest-support.ts';

/**
 * The shipped config, isolated: its own topic, group, data folder and Redis prefixes, so the
 * demo runs exactly as `npm run demo -- --once` does without touching a developer's pipeline.
 */
export async function isolatedDemoConfig(
  resources: Resources,
  kafka: { topic: string; groupId: string },
): Promise<{ file: string; env: NodeJS.ProcessEnv }> {
  const dir = await tempDir(resources, 'demo');
  const shipped = readFileSync(path.join(PROJECT_ROOT, 'config', 'pipeline.yaml'), 'utf8');
  const replacements: Array<[string, string]> = [
    ['topic: selected_crypto_data', `topic: ${kafka.topic}`],
    ['groupId: crypto-s3-sink', `groupId: ${kafka.groupId}`],
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

/** What one successful `demo --once --ticks <ticks>` prints, asserted the same way everywhere. */
export function expectDemoSucceeded(
  result: { code: number | null; stdout: string; stderr: string },
  ticks: number,
): void {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toContain(`sent ${ticks * 3} messages in ${ticks} tick(s)`);
  expect(result.stdout).toMatch(/run run-\S+ succeeded in .*: 4 succeeded/);
  for (const asset of ['raw_crypto_batches', 'crypto_raw', 'crypto_stage', 'crypto_curated']) {
    expect(result.stdout).toMatch(
      new RegExp(`^${asset}\\s+\\S+\\s+succeeded\\s.*\\sfresh\\s`, 'm'),
    );
  }
  expect(result.stdout).toMatch(/^crypto_raw\s.*11\/11 passed/m);
}
