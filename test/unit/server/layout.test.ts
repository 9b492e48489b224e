import { describe, expect, it } from 'vitest';
import { AssetGraph } from '../../../src/graph/graph.ts';
import {
  DEFAULT_LAYOUT,
  dependencyDepths,
  layoutByDepth,
  type LayoutNode,
} from '../../../src/server/ui/layout.ts';

function graph(deps: Record<string, string[]>): AssetGraph {
  return new AssetGraph(new Map(Object.entries(deps).map(([key, d]) => [key, { key, deps: d }])));
}

function byKey(nodes: LayoutNode[]): Record<string, LayoutNode> {
  return Object.fromEntries(nodes.map((n) => [n.key, n]));
}

describe('layout by dependency depth', () => {
  const { boxWidth, boxHeight, gapX, gapY, margin } = DEFAULT_LAYOUT;

  it('puts a diamond in three columns, the two middle boxes stacked and the ends centred on them', () => {
    const layout = layoutByDepth(
      graph({ top: [], left: ['top'], right: ['top'], bottom: ['left', 'right'] }),
    );
    const n = byKey(layout.nodes);
    const column = (depth: number): number => margin + depth * (boxWidth + gapX);

    expect(n.top).toMatchObject({ layer: 0, rank: 0, x: column(0) });
    expect(n.left).toMatchObject({ layer: 1, rank: 0, x: column(1), y: margin });
    expect(n.right).toMatchObject({
      layer: 1,
      rank: 1,
      x: column(1),
      y: margin + boxHeight + gapY,
    });
    expect(n.bottom).toMatchObject({ layer: 2, rank: 0, x: column(2) });
    // The single boxes sit halfway between the two stacked ones.
    const middle = (n.left!.y + n.right!.y) / 2;
    expect(n.top!.y).toBe(middle);
    expect(n.bottom!.y).toBe(middle);
    expect(layout.width).toBe(2 * margin + 3 * boxWidth + 2 * gapX);
    expect(layout.height).toBe(2 * margin + 2 * boxHeight + gapY);
    expect(layout.edges).toEqual([
      { from: 'top', to: 'left' },
      { from: 'top', to: 'right' },
      { from: 'left', to: 'bottom' },
      { from: 'right', to: 'bottom' },
    ]);
  });

  it('places an asset one layer past its deepest dep, even when a shorter path reaches it', () => {
    const g = graph({ a: [], b: ['a'], c: ['b'], d: ['a', 'c'] });
    expect(Object.fromEntries(dependencyDepths(g))).toEqual({ a: 0, b: 1, c: 2, d: 3 });
    expect(layoutByDepth(g).nodes.map((node) => node.y)).toEqual([margin, margin, margin, margin]);
  });

  it('orders a layer by where its deps are, so parallel chains do not cross', () => {
    // Declared so that graph order would put x2 above x1 in the second layer.
    const layout = layoutByDepth(graph({ a1: [], a2: [], x2: ['a2'], x1: ['a1'] }));
    const n = byKey(layout.nodes);
    expect(n.a1!.y).toBeLessThan(n.a2!.y);
    expect(n.x1!.y).toBe(n.a1!.y);
    expect(n.x2!.y).toBe(n.a2!.y);
  });

  it('lays out an empty graph as an empty drawing', () => {
    const layout = layoutByDepth(graph({}));
    expect(layout.nodes).toEqual([]);
    expect(layout.width).toBe(2 * margin);
  });
});
