import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../../src/config/index.ts';
import { findCycle } from '../../../src/graph/graph.ts';
import { selectAssets } from '../../../src/graph/selection.ts';
import { UsageError } from '../../../src/shared/errors.ts';

// A diamond with a tail: a -> (b, c) -> d -> e, plus an unrelated island x.
const pipeline = parsePipeline(
  `version: 1
assets:
  e:
    kind: noop
    deps: [d]
    tags: [gold]
  d:
    kind: dbt
    deps: [b, c]
    tags: [silver]
  b:
    kind: dbt
    deps: [a]
    tags: [bronze]
  c:
    kind: dbt
    deps: [a]
    tags: [bronze]
  a:
    kind: kafka_batches
  x:
    kind: noop
`,
  '/tmp/graph.yaml',
  {},
);
const select = (s: string): string[] => selectAssets(s, pipeline.graph, pipeline.assets);

describe('topological order', () => {
  it('puts every asset after all of its deps, whatever the declaration order', () => {
    const order = pipeline.graph.order;
    const position = new Map(order.map((k, i) => [k, i]));
    for (const [key, asset] of pipeline.assets) {
      for (const dep of asset.deps)
        expect(position.get(dep)).toBeLessThan(position.get(key) as number);
    }
    expect(order).toHaveLength(6);
  });

  it('orders the shipped pipeline source to gold', () => {
    const shipped = parsePipeline(
      `version: 1
assets:
  crypto_curated: { kind: dbt, deps: [crypto_stage] }
  crypto_stage: { kind: dbt, deps: [crypto_raw] }
  crypto_raw: { kind: dbt, deps: [raw_crypto_batches] }
  raw_crypto_batches: { kind: kafka_batches }
`,
      '/tmp/shipped.yaml',
      {},
    );
    expect(shipped.graph.order).toEqual([
      'raw_crypto_batches',
      'crypto_raw',
      'crypto_stage',
      'crypto_curated',
    ]);
  });
});

describe('selection syntax', () => {
  it('selects one key', () => expect(select('d')).toEqual(['d']));
  it('+key adds everything upstream, diamond included', () =>
    expect(select('+d').sort()).toEqual(['a', 'b', 'c', 'd']));
  it('key+ adds everything downstream', () => expect(select('b+')).toEqual(['b', 'd', 'e']));
  it('+key+ adds both directions', () =>
    expect(select('+b+').sort()).toEqual(['a', 'b', 'd', 'e']));
  it('tag:x selects by tag', () => expect(select('tag:bronze').sort()).toEqual(['b', 'c']));
  it('kind:dbt selects by kind', () => expect(select('kind:dbt').sort()).toEqual(['b', 'c', 'd']));
  it('* selects everything in graph order', () =>
    expect(select('*')).toEqual([...pipeline.graph.order]));
  it('a comma is a union without duplicates, in graph order', () => {
    const result = select('e,tag:bronze,b');
    expect(result.sort()).toEqual(['b', 'c', 'e']);
    expect(select('e,b')).toEqual(['b', 'e']);
  });
  it('an unknown key is an error that suggests the nearest key', () => {
    const graph = parsePipeline(
      `version: 1
assets:
  crypto_stage: { kind: noop }
`,
      '/tmp/s.yaml',
      {},
    );
    expect(() => selectAssets('crypto_stag+', graph.graph, graph.assets)).toThrow(
      new UsageError(
        'unknown asset "crypto_stag" in selection "crypto_stag+" (did you mean "crypto_stage"?)',
      ),
    );
  });
  it('an unknown tag is an error', () =>
    expect(() => select('tag:platinum')).toThrow(/no asset has tag "platinum"/));
  it('an empty term is an error', () => expect(() => select('a,,b')).toThrow(/empty term/));
});

describe('findCycle', () => {
  it('returns undefined for a DAG', () => {
    expect(
      findCycle(
        new Map([
          ['a', []],
          ['b', ['a']],
        ]),
      ),
    ).toBeUndefined();
  });
  it('returns a self-loop', () => {
    expect(findCycle(new Map([['a', ['a']]]))).toEqual(['a', 'a']);
  });
});
