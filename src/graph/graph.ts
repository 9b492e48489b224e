/** What the graph needs of a node: its key and the keys it depends on. */
export interface GraphNode {
  readonly key: string;
  readonly deps: readonly string[];
}

/**
 * The asset dependency graph: a DAG over asset keys. Built only from a compiled pipeline, whose
 * deps are already known to exist; cycles are detected by findCycle before this is constructed.
 */
export class AssetGraph {
  private readonly upstream = new Map<string, readonly string[]>();
  private readonly downstream = new Map<string, string[]>();
  /** Keys in a stable topological order: deps first, ties broken by declaration order. */
  readonly order: readonly string[];

  constructor(assets: ReadonlyMap<string, GraphNode>) {
    for (const [key, asset] of assets) {
      this.upstream.set(key, asset.deps);
      this.downstream.set(key, []);
    }
    for (const [key, asset] of assets) {
      for (const dep of asset.deps) this.downstream.get(dep)?.push(key);
    }
    this.order = this.topologicalOrder();
  }

  has(key: string): boolean {
    return this.upstream.has(key);
  }

  keys(): string[] {
    return [...this.order];
  }

  depsOf(key: string): readonly string[] {
    return this.upstream.get(key) ?? [];
  }

  dependentsOf(key: string): readonly string[] {
    return this.downstream.get(key) ?? [];
  }

  /** The key and everything it depends on, transitively. */
  withUpstream(key: string): Set<string> {
    return this.closure(key, (k) => this.depsOf(k));
  }

  /** The key and everything that depends on it, transitively. */
  withDownstream(key: string): Set<string> {
    return this.closure(key, (k) => this.dependentsOf(k));
  }

  /** Sorts any subset of keys into graph order. */
  sort(keys: Iterable<string>): string[] {
    const wanted = new Set(keys);
    return this.order.filter((k) => wanted.has(k));
  }

  private closure(start: string, next: (key: string) => readonly string[]): Set<string> {
    const seen = new Set<string>([start]);
    const stack = [start];
    while (stack.length > 0) {
      for (const neighbour of next(stack.pop() as string)) {
        if (!seen.has(neighbour)) {
          seen.add(neighbour);
          stack.push(neighbour);
        }
      }
    }
    return seen;
  }

  private topologicalOrder(): string[] {
    const remaining = new Map<string, number>();
    for (const [key, deps] of this.upstream) remaining.set(key, deps.length);
    const ready = [...this.upstream.keys()].filter((k) => remaining.get(k) === 0);
    const order: string[] = [];
    while (ready.length > 0) {
      const key = ready.shift() as string;
      order.push(key);
      for (const dependent of this.dependentsOf(key)) {
        const left = (remaining.get(dependent) ?? 0) - 1;
        remaining.set(dependent, left);
        if (left === 0) ready.push(dependent);
      }
    }
    if (order.length !== this.upstream.size) {
      throw new Error('asset graph has a cycle; findCycle should have rejected it');
    }
    return order;
  }
}

/** Returns one cycle as a closed path (a -> b -> a), or undefined for a DAG. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];

  const visit = (key: string): string[] | undefined => {
    state.set(key, 'visiting');
    stack.push(key);
    for (const dep of deps.get(key) ?? []) {
      if (!deps.has(dep)) continue;
      if (state.get(dep) === 'visiting') return [...stack.slice(stack.indexOf(dep)), dep];
      if (state.get(dep) === undefined) {
        const cycle = visit(dep);
        if (cycle) return cycle;
      }
    }
    stack.pop();
    state.set(key, 'done');
    return undefined;
  };

  for (const key of deps.keys()) {
    if (state.get(key) === undefined) {
      const cycle = visit(key);
      if (cycle) return cycle;
    }
  }
  return undefined;
}
