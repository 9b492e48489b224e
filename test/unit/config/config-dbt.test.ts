import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../../src/config/index.ts';
import { ConfigErrors } from '../../../src/shared/errors.ts';

const FILE = '/tmp/pipeline.yaml';

describe('engine.dbt and asset vars', () => {
  it('defaults to the warm mode, no vars, and the target of the engine kind', () => {
    const duckdb = parsePipeline('version: 1\nassets:\n  m:\n    kind: dbt\n', FILE, {});
    expect(duckdb.engine.dbt).toEqual({ mode: 'warm', vars: {}, target: 'local' });
    expect(duckdb.assets.get('m')).toMatchObject({ kind: 'dbt', model: 'm', vars: {} });
    const athena = parsePipeline(
      `version: 1
assets:
  m:
    kind: dbt
engine:
  kind: athena
  athena: { database: strata, outputLocation: 's3://results/' }
`,
      FILE,
      {},
    );
    expect(athena.engine.dbt.target).toBe('athena');
  });

  it('compiles the mode, project vars, target and per-asset vars as written', () => {
    const pipeline = parsePipeline(
      `version: 1
assets:
  gold:
    kind: dbt
    vars: { gold_recency_hours: 4 }
engine:
  dbt:
    mode: subprocess
    target: dev
    vars: { as_of: '2026-11-25T12:00:00Z', accepted_symbols: [BTC] }
`,
      FILE,
      {},
    );
    expect(pipeline.engine.dbt).toEqual({
      mode: 'subprocess',
      target: 'dev',
      vars: { as_of: '2026-11-25T12:00:00Z', accepted_symbols: ['BTC'] },
    });
    expect(pipeline.assets.get('gold')).toMatchObject({ vars: { gold_recency_hours: 4 } });
  });

  it('rejects an unknown mode and a var name dbt could not read, naming file:line:col and key', () => {
    let error: unknown;
    try {
      parsePipeline(
        `version: 1
assets:
  m:
    kind: dbt
    vars: { 'bad-name': 1 }
engine:
  dbt:
    mode: hot
`,
        FILE,
        {},
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    const messages = (error as ConfigErrors).errors.map((e) => e.message);
    expect(messages).toEqual([
      expect.stringMatching(
        /^\/tmp\/pipeline\.yaml:5:\d+: assets\.m\.vars\.bad-name: .*dbt var name/,
      ),
      expect.stringMatching(/^\/tmp\/pipeline\.yaml:8:\d+: engine\.dbt\.mode: /),
    ]);
  });
});
