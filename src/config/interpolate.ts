import { isScalar, parse, visit, type Document, Scalar } from 'yaml';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface UnsetVariable {
  variable: string;
  /** Character offset of the scalar that refers to it. */
  offset: number;
  path: readonly PropertyKey[];
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string scalar, in place. References to unset
 * variables without a default are returned, not thrown, so all of them are reported at once.
 * Substitution happens on the YAML tree (not the text) so a value can never inject structure.
 */
export function interpolateEnv(doc: Document, env: NodeJS.ProcessEnv): UnsetVariable[] {
  const unset: UnsetVariable[] = [];
  visit(doc, {
    Scalar(_key, node, ancestors) {
      if (!isScalar(node) || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const replaced = node.value.replace(REFERENCE, (_match, name: string, fallback?: string) => {
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        unset.push({ variable: name, offset: node.range?.[0] ?? 0, path: pathOf(ancestors) });
        return '';
      });
      node.value = node.type === Scalar.PLAIN ? asPlainScalar(replaced) : replaced;
    },
  });
  return unset;
}

function pathOf(ancestors: readonly unknown[]): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (const node of ancestors) {
    if (isPairLike(node) && isScalar(node.key)) path.push(String(node.key.value));
  }
  return path;
}

function isPairLike(node: unknown): node is { key: unknown; value: unknown } {
  return typeof node === 'object' && node !== null && 'key' in node && 'value' in node;
}

/**
 * An unquoted `${VAR}` resolves as YAML would have resolved the text typed in its place, so
 * `partitions: ${N:-3}` is a number. Only scalars are taken: a value cannot become a map or list.
 */
function asPlainScalar(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return typeof value === 'number' || typeof value === 'boolean' ? value : text;
  } catch {
    return text;
  }
}
