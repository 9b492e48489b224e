import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../../src/config/index.ts';
import { ConfigError, ConfigErrors } from '../../../src/shared/errors.ts';

const FILE = '/tmp/pipeline.yaml';

/** Parses and returns the config errors, failing the test if the text was accepted. */
function errorsOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigError[] {
  try {
    parsePipeline(text, FILE, env);
  } catch (error) {
    if (error instanceof ConfigErrors) return [...error.errors];
    if (error instanceof ConfigError) return [error];
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

function only(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  const errors = errorsOf(text, env);
  expect(errors).toHaveLength(1);
  return errors[0] as ConfigError;
}

describe('config validation errors name file:line:col and the key', () => {
  it('rejects a dependency on an unknown asset and suggests the nearest key', () => {
    const e = only(`version: 1
assets:
  prices:
    kind: noop
  report:
    kind: noop
    deps: [prics]
`);
    expect([e.line, e.col]).toEqual([7, 12]);
    expect(e.key).toBe('assets.report.deps[0]');
    expect(e.message).toContain('unknown asset "prics" (did you mean "prices"?)');
    expect(e.message).toMatch(/^\/tmp\/pipeline\.yaml:7:12: /);
  });

  it('rejects a cycle and prints it', () => {
    const e = only(`version: 1
assets:
  a:
    kind: noop
    deps: [c]
  b:
    kind: noop
    deps: [a]
  c:
    kind: noop
    deps: [b]
`);
    expect(e.detail).toBe('dependency cycle: a -> c -> b -> a');
    expect([e.line, e.col]).toEqual([5, 11]);
  });

  it('rejects a duplicate key at the second occurrence', () => {
    const e = only(`version: 1
assets:
  a:
    kind: noop
  a:
    kind: noop
`);
    expect(e.line).toBe(5);
    expect(e.detail).toContain('duplicate key');
  });

  it('rejects an asset key that would be unsafe in SQL, selectors or Redis keys', () => {
    const e = only(`version: 1
assets:
  Bad-Key:
    kind: noop
`);
    expect([e.line, e.col]).toEqual([3, 3]);
    expect(e.key).toBe('assets.Bad-Key');
    expect(e.detail).toContain('^[a-z][a-z0-9_]*$');
  });

  it('rejects a bad duration', () => {
    const e = only(`version: 1
assets:
  a:
    kind: noop
    freshness:
      warnAfter: 7 days
`);
    expect([e.line, e.col]).toEqual([6, 18]);
    expect(e.key).toBe('assets.a.freshness.warnAfter');
    expect(e.detail).toContain('duration such as 45s, 30m, 2h or 7d');
  });

  it('rejects a bad cron expression', () => {
    const e = only(`version: 1
assets:
  a:
    kind: noop
schedules:
  hourly:
    cron: '61 * * * *'
    select: a
`);
    expect([e.line, e.col]).toEqual([7, 11]);
    expect(e.key).toBe('schedules.hourly.cron');
    expect(e.detail).toContain('not a valid cron expression');
  });

  it('rejects an unknown time zone', () => {
    const e = only(`version: 1
assets:
  a:
    kind: noop
schedules:
  hourly:
    cron: '0 * * * *'
    timezone: Mars/Olympus
    select: a
`);
    expect([e.line, e.col]).toEqual([8, 15]);
    expect(e.detail).toContain('not a known IANA time zone');
  });

  it('rejects a schedule selecting an unknown asset', () => {
    const e = only(`version: 1
assets:
  prices:
    kind: noop
schedules:
  hourly:
    cron: '0 * * * *'
    select: +price
`);
    expect([e.line, e.col]).toEqual([8, 13]);
    expect(e.detail).toContain('did you mean "prices"?');
  });

  it('rejects an unknown field instead of ignoring a typo', () => {
    const e = only(`version: 1
assets:
  a:
    kind: noop
    freshnes:
      warnAfter: 1h
`);
    expect([e.line, e.col]).toEqual([5, 5]);
    expect(e.key).toBe('assets.a.freshnes');
    expect(e.detail).toBe('unknown field');
  });

  it('rejects a reference to an unset environment variable', () => {
    const e = only(
      `version: 1
assets:
  a:
    kind: noop
storage:
  path: \${LAKE_DIR}/lake
`,
      {},
    );
    expect([e.line, e.col]).toEqual([6, 9]);
    expect(e.key).toBe('storage.path');
    expect(e.detail).toContain('environment variable LAKE_DIR is not set');
  });

  it('rejects an unknown asset kind', () => {
    const e = only(`version: 1
assets:
  a:
    kind: spark
`);
    expect(e.line).toBe(4);
    expect(e.key).toBe('assets.a.kind');
  });

  it('rejects a pool that is not declared', () => {
    const e = only(`version: 1
pools:
  dbt: 1
assets:
  a:
    kind: noop
    pool: dtb
`);
    expect([e.line, e.col]).toEqual([7, 11]);
    expect(e.detail).toContain('unknown pool "dtb" (did you mean "dbt"?)');
  });

  it('reports every problem in one pass, sorted by line', () => {
    const errors = errorsOf(`version: 1
assets:
  a:
    kind: noop
    sleep: soon
  b:
    kind: noop
    colour: blue
`);
    expect(errors.map((e) => e.line)).toEqual([5, 8]);
  });

  it('reports YAML syntax errors with their position', () => {
    const e = only(`version: 1
assets:
  a: [unclosed
`);
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(e.file).toBe('/tmp/pipeline.yaml');
  });
});

describe('environment references', () => {
  it('substitutes ${VAR} and ${VAR:-default}, typing unquoted numbers', () => {
    const pipeline = parsePipeline(
      `version: 1
pools:
  dbt: \${POOL:-4}
assets:
  a:
    kind: noop
    pool: dbt
kafka:
  topic: \${TOPIC}
`,
      FILE,
      { TOPIC: 'prices' },
    );
    expect(pipeline.pools.get('dbt')).toBe(4);
    expect(pipeline.kafka.topic).toBe('prices');
    expect(pipeline.kafka.dlqTopic).toBe('prices.dlq');
  });
});
