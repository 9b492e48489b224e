import dagre from '@dagrejs/dagre';

/**
 * The part of dagre's API used here. Its bundled declarations do not resolve under this
 * project's settings (they come out as `any`), so the shape is stated once, checked by the
 * layout tests.
 */
interface DagreGraph {
  setGraph(label: Record<string, unknown>): void;
  setDefaultEdgeLabel(label: () => Record<string, unknown>): void;
  setNode(key: string, label: { width: number; height: number }): void;
  setEdge(from: string, to: string): void;
  node(key: string): { x: number; y: number };
  graph(): { width?: number; height?: number };
}
const Dagre = dagre as unknown as {
  graphlib: { Graph: new () => DagreGraph };
  layout(graph: DagreGraph): void;
};

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

/** A box and its top-left corner. */
export interface LayoutNode {
  key: string;
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
 * Dagre's layered layout, left to right: every asset sits right of its dependencies, and the
 * order within a layer minimises crossings. It costs time on large graphs, so the server lays
 * out once per config and reuses the result for every request.
 */
export function layoutGraph(
  graph: LayoutGraph,
  options: LayoutOptions = DEFAULT_LAYOUT,
): GraphLayout {
  const g = new Dagre.graphlib.Graph();
  g.setGraph({
    rankdir: 'LR',
    ranker: 'longest-path',
    nodesep: options.gapY,
    ranksep: options.gapX,
    marginx: options.margin,
    marginy: options.margin,
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const key of graph.order)
    g.setNode(key, { width: options.boxWidth, height: options.boxHeight });
  const edges = graph.order.flatMap((to) => graph.depsOf(to).map((from) => ({ from, to })));
  for (const edge of edges) g.setEdge(edge.from, edge.to);
  Dagre.layout(g);
  const nodes = graph.order.map((key) => {
    // Dagre places node centres; the SVG wants top-left corners.
    const placed = g.node(key);
    return {
      key,
      x: Math.round(placed.x - options.boxWidth / 2),
      y: Math.round(placed.y - options.boxHeight / 2),
    };
  });
  const size = g.graph();
  return {
    nodes,
    edges,
    width: Math.ceil(size.width ?? options.boxWidth + 2 * options.margin),
    height: Math.ceil(size.height ?? options.boxHeight + 2 * options.margin),
    options,
  };
}
