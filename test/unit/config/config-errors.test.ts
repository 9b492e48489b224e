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
    expect([e.line, e.col]).toEqual([5, 3]);
    expect(e.key).toBe('assets.a');
    expect(e.detail).toBe('duplicate key "a" (each key may appear once in a map)');
  });

  it('rejects warnAfter greater than failAfter at warnAfter', () => {
    const e = only(`version: 1
assets:
  a:
    kind: noop
    freshness:
      warnAfter: 3d
      failAfter: 2h
`);
    expect([e.line, e.col]).toEqual([6, 18]);
    expect(e.key).toBe('assets.a.freshness.warnAfter');
    expect(e.detail).toContain('must not be greater than failAfter');
  });

  it('accepts warnAfter equal to failAfter', () => {
    expect(() =>
      parsePipeline(
        `version: 1
assets:
  a:
    kind: noop
    freshness: { warnAfter: 2h, failAfter: 120m }
`,
        FILE,
        {},
      ),
    ).not.toThrow();
  });

  it('rejects a YAML alias bomb with the position of its first alias, without expanding it', () => {
    const levels = ['lol: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`l${i}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const e = only(`version: 1\n${levels.join('\n')}\nassets: {}\n`);
    expect([e.line, e.col]).toEqual([3, 9]);
    expect(e.detail).toContain('aliases expand too far');
  });

  it('lists the first 20 problems of a binary file, each clipped, and counts the rest', () => {
    let message = '';
    try {
      parsePipeline(pseudoRandomBytes(100_000).toString('latin1'), FILE, {});
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigErrors);
      const all = (error as ConfigErrors).errors.length;
      expect(all).toBeGreaterThan(20);
      message = (error as Error).message;
      const lines = message.split('\n');
      expect(lines).toHaveLength(21);
      expect(lines[20]).toBe(`... and ${all - 20} more (${all} errors in all)`);
    }
    expect(message.length).toBeGreaterThan(0);
    expect(message.length).toBeLessThan(21 * 250);
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

/** Bytes from a fixed linear congruential sequence: the same "binary file" on every run. */
function pseudoRandomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = 12_345;
  for (let i = 0; i < length; i++) {
    x = (x * 1_103_515_245 + 12_345) & 0x7fffffff;
    bytes[i] = (x >> 16) & 0xff;
  }
  return bytes;
}
