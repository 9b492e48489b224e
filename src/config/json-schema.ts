import { z } from 'zod';
import { pipelineSchema } from './schema.ts';

type JsonSchema = { [key: string]: unknown };

/**
 * A string holding at least one environment reference, `${VAR}` or `${VAR:-default}`. Loading
 * substitutes these before the schema applies (interpolate.ts), so where a value may hold one
 * the editor schema must accept it: `kind: ${STRATA_STORAGE_KIND:-local}` is valid config.
 */
export const ENV_REFERENCE_PATTERN = '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}';

const ENV_REFERENCE: JsonSchema = {
  type: 'string',
  pattern: ENV_REFERENCE_PATTERN,
  description: 'an environment reference, ${VAR} or ${VAR:-default}, resolved when loading',
};

/** zod's names for string checks it also emits as `pattern`; not JSON Schema formats. */
const NON_STANDARD_FORMATS = new Set(['starts_with', 'ends_with', 'includes', 'regex']);

/** Keywords that hold one subschema, or a list or map of them. */
const SUBSCHEMA = ['items', 'additionalProperties', 'not', 'contains'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const SUBSCHEMA_MAPS = ['properties', '$defs', 'definitions', 'patternProperties'];

/** Keywords that constrain a scalar so that a `${...}` string would fail them. */
const SCALAR_CONSTRAINTS = ['enum', 'const', 'pattern', 'format', 'minLength', 'maxLength'];

/** The JSON Schema of pipeline.yaml as users write it (input side: defaults are optional). */
export function pipelineJsonSchema(): string {
  const schema = z.toJSONSchema(pipelineSchema, { io: 'input', unrepresentable: 'any' });
  const written = asWritten(schema);
  return `${JSON.stringify({ ...written, title: 'Strata pipeline' }, null, 2)}\n`;
}

/**
 * The schema of the file as written rather than as loaded: every constrained scalar also accepts
 * an environment reference, prefixes stay patterns without zod's non-standard formats, and
 * `oneOf` becomes `anyOf` (with references allowed, a value like `kind: ${KIND}` fits several
 * branches at once, which `oneOf` would reject).
 */
function asWritten(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'format' && NON_STANDARD_FORMATS.has(String(value))) continue;
    const target = key === 'oneOf' ? 'anyOf' : key;
    if (SUBSCHEMA.includes(key) && isSchema(value)) out[target] = asWritten(value);
    else if (SUBSCHEMA_LISTS.includes(key) && Array.isArray(value)) {
      out[target] = value.map((v: unknown) => (isSchema(v) ? asWritten(v) : v));
    } else if (SUBSCHEMA_MAPS.includes(key) && isSchema(value)) {
      out[target] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, isSchema(v) ? asWritten(v) : v]),
      );
    } else out[target] = value;
  }
  return mayHoldReference(out) ? orReference(out) : out;
}

/** A scalar that a `${...}` string would not satisfy: booleans, numbers, constrained strings. */
function mayHoldReference(node: JsonSchema): boolean {
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.some((t) => t === 'boolean' || t === 'number' || t === 'integer')) return true;
  return SCALAR_CONSTRAINTS.some((k) => k in node);
}

/** `{anyOf: [node, reference]}`, with the annotations editors show kept on the outside. */
function orReference(node: JsonSchema): JsonSchema {
  const { default: fallback, description, title, ...rest } = node;
  const outer: JsonSchema = { anyOf: [rest, ENV_REFERENCE] };
  if (title !== undefined) outer.title = title;
  if (description !== undefined) outer.description = description;
  if (fallback !== undefined) outer.default = fallback;
  return outer;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
