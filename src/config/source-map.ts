import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type ConfigPath = readonly PropertyKey[];

export interface SourcePosition {
  line: number;
  col: number;
}

/**
 * Finds where a config path was written, so every error can point at file:line:col.
 * `keyOf` asks for the position of the key itself (unknown fields, bad asset keys) rather than
 * its value. A path that does not exist resolves to its nearest existing ancestor.
 */
export class SourceMap {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  position(path: ConfigPath, keyOf?: string): SourcePosition {
    const node = this.deepestNode(path);
    if (keyOf !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === keyOf);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return this.at(keyNode.range[0]);
    }
    return this.at(node?.range?.[0] ?? 0);
  }

  /** The position of a map key, e.g. an asset's name under `assets`. */
  keyPosition(path: ConfigPath): SourcePosition {
    const parent = path.slice(0, -1);
    const last = path[path.length - 1];
    return this.position(parent, typeof last === 'string' ? last : undefined);
  }

  private deepestNode(path: ConfigPath): Node | undefined {
    let node: unknown = this.doc.contents;
    for (const segment of path) {
      const child = childOf(node, segment);
      if (child === undefined) break;
      node = child;
    }
    return node as Node | undefined;
  }

  private at(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(offset);
    return { line, col };
  }
}

function childOf(node: unknown, segment: PropertyKey): unknown {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === segment);
    return pair?.value ?? undefined;
  }
  if (isSeq(node) && typeof segment === 'number') return node.items[segment];
  return undefined;
}

export function formatPath(path: ConfigPath): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}
