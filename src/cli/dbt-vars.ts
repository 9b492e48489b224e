import { parse as parseYaml } from 'yaml';
import { UsageError } from '../shared/errors.ts';

/** dbt vars as dbt's own --vars takes them: a YAML or JSON mapping, e.g. '{as_of: 2026-11-25}'. */
export function parseDbtVars(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(value);
  } catch (error) {
    throw new UsageError(`--vars must be a YAML or JSON mapping: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`--vars must be a mapping such as '{"as_of": "2026-11-25T12:00:00Z"}'`);
  }
  return parsed as Record<string, unknown>;
}
