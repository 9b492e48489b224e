import { describe, expect, it } from 'vitest';
import { AssetGraph } from '../../../src/graph/graph.ts';
import { DEFAULT_LAYOUT, layoutGraph, type LayoutNode } from '../../../src/server/ui/layout.ts';

function graph(deps: Record<string, string[]>): AssetGraph {
  return new AssetGraph(new Map(Object.entries(deps).map(([key, d]) => [key, { key, deps: d }])));
}

function byKey(nodes: LayoutNode[]): Record<string, LayoutNode> {
  return Object.fromEntries(nodes.map((n) => [n.key, n]));
}

function overlaps(a: LayoutNode, b: LayoutNode): boolean {
  const { boxWidth: w, boxHeight: h } = DEFAULT_LAYOUT;
  return a.x < b.x + w && b.x < a.x + w && a.y < b.y + h && b.y < a.y + h;
}

describe('graph layout (dagre, left to right)', () => {
  const { boxWidth, boxHeight, margin } = DEFAULT_LAYOUT;

  it('puts a diamond in three columns, the two middle boxes stacked, every edge left to right', () => {
    const layout = layoutGraph(
      graph({ top: [], left: ['top'], right: ['top'], bottom: ['left', 'right'] }),
    );
    const n = byKey(layout.nodes);
    expect(n.left!.x).toBe(n.right!.x);
    expect(n.left!.y).not.toBe(n.right!.y);
    for (const { from, to } of layout.edges) expect(n[from]!.x + boxWidth).toBeLessThan(n[to]!.x);
    expect(layout.edges).toEqual([
      { from: 'top', to: 'left' },
      { from: 'top', to: 'right' },
      { from: 'left', to: 'bottom' },
      { from: 'right', to: 'bottom' },
    ]);
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(margin);
      expect(node.y).toBeGreaterThanOrEqual(margin);
      expect(node.x + boxWidth).toBeLessThanOrEqual(layout.width);
      expect(node.y + boxHeight).toBeLessThanOrEqual(layout.height);
    }
  });

  it('places an asset right of its deepest dep, even when a shorter path reaches it', () => {
    const n = byKey(layoutGraph(graph({ a: [], b: ['a'], c: ['b'], d: ['a', 'c'] })).nodes);
    expect(n.a!.x).toBeLessThan(n.b!.x);
    expect(n.b!.x).toBeLessThan(n.c!.x);
    expect(n.c!.x).toBeLessThan(n.d!.x);
  });

  it('lays out 300 assets in layers without two boxes overlapping', () => {
    const deps: Record<string, string[]> = {};
    for (let i = 0; i < 300; i++)
      deps[`a${i}`] = i < 20 ? [] : [`a${i - 20}`, `a${i - 20 + ((i + 7) % 20) - (i % 20)}`];
    const layout = layoutGraph(graph(deps));
    expect(layout.nodes).toHaveLength(300);
    const sorted = [...layout.nodes].sort((a, b) => a.x - b.x || a.y - b.y);
    for (let i = 0; i < sorted.length; i++)
      for (let j = i + 1; j < sorted.length && sorted[j]!.x < sorted[i]!.x + boxWidth; j++)
        expect(overlaps(sorted[i]!, sorted[j]!)).toBe(false);
  });

  it('lays out an empty graph as an empty drawing', () => {
    const layout = layoutGraph(graph({}));
    expect(layout.nodes).toEqual([]);
  });
});
