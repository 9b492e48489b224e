import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { deleteKeysUnder } from './redis.ts';
import { tempDir, type Resources } from './resources.ts';

/**
 * The shipped config, isolated: its own topic, group, data folder and Redis prefixes, so the
 * demo, `strata dev` and benchmarks run it as shipped without touching a developer's pipeline.
 */
export async function isolatedShippedConfig(
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
    if (!text.includes(from)) throw new Error(`the shipped config has no "${from}"`);
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
