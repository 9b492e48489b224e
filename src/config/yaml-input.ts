import {
  isAlias,
  isPair,
  isScalar,
  visit,
  type Document,
  type LineCounter,
  type YAMLError,
} from 'yaml';
import { ConfigError } from '../shared/errors.ts';
import { formatPath } from './source-map.ts';

/**
 * How many alias expansions turning the YAML into plain values may perform. A pipeline file
 * uses a handful; a "billion laughs" file nests aliases to expand exponentially.
 */
export const MAX_ALIAS_EXPANSIONS = 1_000;

/** YAML syntax errors with their position; a duplicate key names the key and where it sits. */
export function yamlErrors(doc: Document, file: string, lines: LineCounter): ConfigError[] {
  return doc.errors.map((error) => {
    const { line, col } = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
    if (error.code === 'DUPLICATE_KEY') return duplicateKeyError(doc, error, file, line, col);
    return new ConfigError(file, line, col, '', error.message.split('\n')[0] ?? '');
  });
}

function duplicateKeyError(
  doc: Document,
  error: YAMLError,
  file: string,
  line: number,
  col: number,
): ConfigError {
  const found = keyAt(doc, error.pos[0]);
  const detail = found
    ? `duplicate key "${found.name}" (each key may appear once in a map)`
    : 'duplicate key (each key may appear once in a map)';
  return new ConfigError(file, line, col, found ? formatPath(found.path) : '', detail);
}

/** The map key written at `offset`, with the path of keys leading to it. */
function keyAt(doc: Document, offset: number): { name: string; path: string[] } | undefined {
  let found: { name: string; path: string[] } | undefined;
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      const name = String(pair.key.value);
      const parents = ancestors
        .filter(isPair)
        .flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : []));
      found = { name, path: [...parents, name] };
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * The document as plain values, with alias expansion bounded: past the limit the YAML library
 * raises a bare ReferenceError, reported here as a config error at the first alias.
 */
export function documentValue(doc: Document, file: string, lines: LineCounter): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const offset = firstAliasOffset(doc) ?? 0;
    const { line, col } = lines.linePos(offset);
    throw new ConfigError(
      file,
      line,
      col,
      '',
      `aliases expand too far (more than ${MAX_ALIAS_EXPANSIONS} expansions; a YAML alias bomb?)`,
      { cause: error },
    );
  }
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (!isAlias(node)) return undefined;
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}
