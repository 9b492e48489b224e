/** What the layout needs of a graph; AssetGraph provides it. */
export interface LayoutGraph {
  /** Keys in topological order (deps first). */
  readonly order: readonly string[];
  depsOf(key: string): readonly string[];
}

export interface LayoutOptions {
  boxWidth: number;
  boxHeight: number;
  /** Space between layers (columns). */
  gapX: number;
  /** Space between boxes of one layer. */
  gapY: number;
  margin: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  boxWidth: 236,
  boxHeight: 88,
  gapX: 60,
  gapY: 24,
  margin: 16,
};

/** A box: its layer (dependency depth), its rank within the layer, and its top-left corner. */
export interface LayoutNode {
  key: string;
  layer: number;
  rank: number;
  x: number;
  y: number;
}

export interface LayoutEdge {
  from: string;
  to: string;
}

export interface GraphLayout {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
  options: LayoutOptions;
}

/**
 * Depth of every key: 0 without deps, else one more than its deepest dep. Walks the topological
 * order, so every dep's depth is known when its dependent is reached.
 */
export function dependencyDepths(graph: LayoutGraph): Map<string, number> {
  const depths = new Map<string, number>();
  for (const key of graph.order) {
    const deps = graph.depsOf(key).map((d) => depths.get(d) ?? 0);
    depths.set(key, deps.length === 0 ? 0 : Math.max(...deps) + 1);
  }
  return depths;
}

/**
 * Layers left to right by dependency depth, each layer a column centred on the tallest one.
 * Within a layer, boxes sit in the order of their deps' average height (the barycentre
 * heuristic), which keeps chains straight and uncrosses most edges; ties keep graph order.
 */
export function layoutByDepth(
  graph: LayoutGraph,
  options: LayoutOptions = DEFAULT_LAYOUT,
): GraphLayout {
  const depths = dependencyDepths(graph);
  const layers: string[][] = [];
  for (const key of graph.order) (layers[depths.get(key) ?? 0] ??= []).push(key);
  const rows = Math.max(1, ...layers.map((l) => l.length));
  const pitchY = options.boxHeight + options.gapY;
  const centreY = new Map<string, number>();
  const nodes: LayoutNode[] = [];

  layers.forEach((layer, depth) => {
    const ordered = depth === 0 ? layer : byBarycentre(layer, graph, centreY);
    const offset = ((rows - ordered.length) * pitchY) / 2;
    ordered.forEach((key, rank) => {
      const y = options.margin + offset + rank * pitchY;
      centreY.set(key, y + options.boxHeight / 2);
      nodes.push({
        key,
        layer: depth,
        rank,
        x: options.margin + depth * (options.boxWidth + options.gapX),
        y,
      });
    });
  });

  const edges = graph.order.flatMap((to) => graph.depsOf(to).map((from) => ({ from, to })));
  return {
    nodes,
    edges,
    width:
      options.margin * 2 +
      layers.length * options.boxWidth +
      Math.max(0, layers.length - 1) * options.gapX,
    height: options.margin * 2 + rows * options.boxHeight + (rows - 1) * options.gapY,
    options,
  };
}

function byBarycentre(
  layer: readonly string[],
  graph: LayoutGraph,
  centreY: ReadonlyMap<string, number>,
): string[] {
  const weight = (key: string): number => {
    const ys = graph.depsOf(key).map((d) => centreY.get(d) ?? 0);
    return ys.reduce((sum, y) => sum + y, 0) / Math.max(1, ys.length);
  };
  return layer
    .map((key, index) => ({ key, index, weight: weight(key) }))
    .sort((a, b) => a.weight - b.weight || a.index - b.index)
    .map((e) => e.key);
}
