import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../../../src/config/index.ts';
import { pipelineJsonSchema } from '../../../src/config/json-schema.ts';
import { PROJECT_ROOT } from '../../../src/shared/settings.ts';

const shipped = path.join(PROJECT_ROOT, 'config', 'pipeline.yaml');

describe('the shipped config', () => {
  it('loads the four crypto assets with the seed freshness policies (7d / 3d / 2h)', async () => {
    const pipeline = await loadPipeline(shipped, {});
    expect(pipeline.graph.order).toEqual([
      'raw_crypto_batches',
      'crypto_raw',
      'crypto_stage',
      'crypto_curated',
    ]);
    const day = 86_400_000;
    expect(pipeline.assets.get('crypto_raw')?.freshness).toEqual({
      warnAfterMs: 7 * day,
      failAfterMs: undefined,
    });
    expect(pipeline.assets.get('crypto_stage')?.freshness).toEqual({
      warnAfterMs: 3 * day,
      failAfterMs: undefined,
    });
    expect(pipeline.assets.get('crypto_curated')?.freshness).toEqual({
      warnAfterMs: undefined,
      failAfterMs: 2 * 3_600_000,
    });
    expect(pipeline.kafka.topic).toBe('selected_crypto_data');
    expect(pipeline.ingest.batch.maxRecords).toBe(100);
  });

  it('points editors at the JSON Schema, which matches the zod schema', () => {
    const text = readFileSync(shipped, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./pipeline.schema.json');
    const committed = readFileSync(
      path.join(PROJECT_ROOT, 'config', 'pipeline.schema.json'),
      'utf8',
    );
    // Run `npm run schema:export` after changing src/config/schema.ts.
    expect(committed).toBe(pipelineJsonSchema());
  });
});
