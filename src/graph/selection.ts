import { UsageError } from '../shared/errors.ts';
import type { AssetGraph } from './graph.ts';
import { didYouMean } from './suggest.ts';

/** What selection reads of a node besides its place in the graph. */
export interface SelectableNode {
  readonly tags: readonly string[];
  readonly kind: string;
}

/**
 * Asset selection, as in Dagster and dbt: `key`, `+key` (with upstream), `key+` (with
 * downstream), `+key+`, `tag:x`, `kind:dbt`, `*`, and a comma for union. The result is in
 * graph order.
 */
export function selectAssets(
  selection: string,
  graph: AssetGraph,
  assets: ReadonlyMap<string, SelectableNode>,
): string[] {
  const terms = selection.split(',').map((t) => t.trim());
  if (terms.some((t) => t === '')) {
    throw new UsageError(`selection "${selection}" has an empty term`);
  }
  const selected = new Set<string>();
  for (const term of terms) {
    for (const key of selectTerm(term, graph, assets)) selected.add(key);
  }
  return graph.sort(selected);
}

function selectTerm(
  term: string,
  graph: AssetGraph,
  assets: ReadonlyMap<string, SelectableNode>,
): Iterable<string> {
  if (term === '*') return graph.keys();
  if (term.startsWith('tag:'))
    return byAttribute(term, 'tag', (a, v) => a.tags.includes(v), assets, tagsOf(assets));
  if (term.startsWith('kind:'))
    return byAttribute(term, 'kind', (a, v) => a.kind === v, assets, kindsOf(assets));

  const upstream = term.startsWith('+');
  const downstream = term.endsWith('+');
  const key = term.slice(upstream ? 1 : 0, downstream ? -1 : undefined);
  if (!graph.has(key)) {
    throw new UsageError(
      `unknown asset "${key}" in selection "${term}"${didYouMean(key, graph.keys())}`,
    );
  }
  const result = new Set([key]);
  if (upstream) for (const k of graph.withUpstream(key)) result.add(k);
  if (downstream) for (const k of graph.withDownstream(key)) result.add(k);
  return result;
}

function byAttribute(
  term: string,
  attribute: string,
  matches: (asset: SelectableNode, value: string) => boolean,
  assets: ReadonlyMap<string, SelectableNode>,
  known: Set<string>,
): string[] {
  const value = term.slice(attribute.length + 1);
  const keys = [...assets].filter(([, a]) => matches(a, value)).map(([k]) => k);
  if (keys.length === 0) {
    throw new UsageError(`no asset has ${attribute} "${value}"${didYouMean(value, known)}`);
  }
  return keys;
}

function tagsOf(assets: ReadonlyMap<string, Pick<SelectableNode, 'tags'>>): Set<string> {
  return new Set([...assets.values()].flatMap((a) => a.tags));
}

function kindsOf(assets: ReadonlyMap<string, Pick<SelectableNode, 'kind'>>): Set<string> {
  return new Set([...assets.values()].map((a) => a.kind));
}
