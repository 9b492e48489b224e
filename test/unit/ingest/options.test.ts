import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../../src/config/index.ts';
import { ingestOptionsFrom } from '../../../src/ingest/options.ts';

const FILE = '/tmp/pipeline.yaml';

function pipelineWith(ingest: string) {
  return parsePipeline(
    `version: 1
assets:
  raw_crypto_batches:
    kind: kafka_batches
${ingest}`,
    FILE,
    {},
  );
}

describe('ingest options from the pipeline config', () => {
  it('takes the Kafka session timeout from ingest.sessionTimeout, 30s when absent', () => {
    expect(ingestOptionsFrom(pipelineWith('')).sessionTimeoutMs).toBe(30_000);
    const configured = pipelineWith('ingest:\n  sessionTimeout: 45s\n');
    expect(ingestOptionsFrom(configured).sessionTimeoutMs).toBe(45_000);
  });

  it('lets an override (the --session-timeout flag) win over the config', () => {
    const configured = pipelineWith('ingest:\n  sessionTimeout: 45s\n');
    expect(ingestOptionsFrom(configured, { sessionTimeoutMs: 6_000 }).sessionTimeoutMs).toBe(6_000);
  });

  it('rejects a session timeout that is not a duration, naming file:line:col and the key', () => {
    expect(() => pipelineWith('ingest:\n  sessionTimeout: soon\n')).toThrow(
      /^\/tmp\/pipeline\.yaml:6:\d+: ingest\.sessionTimeout/,
    );
  });
});
