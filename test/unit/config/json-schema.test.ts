/**
 * Issue 11 §5: the exported editor schema must accept what `strata validate` accepts. Every
 * shipped config and every pipeline example in README.md and docs/ is checked against
 * config/pipeline.schema.json with a standard validator (ajv, JSON Schema draft 2020-12, with
 * the standard formats, in strict mode so a non-standard keyword or format fails too).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePipeline } from '../../../src/config/index.ts';
import { PROJECT_ROOT } from '../../../src/shared/settings.ts';

// ajv-formats is CommonJS with its function on `default` under ESM interop.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const schemaFile = path.join(PROJECT_ROOT, 'config', 'pipeline.schema.json');
const shippedFile = path.join(PROJECT_ROOT, 'config', 'pipeline.yaml');

let validate: ValidateFunction;

beforeAll(() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
});

function errorsOf(document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

const shipped = (): Record<string, unknown> =>
  parse(readFileSync(shippedFile, 'utf8')) as Record<string, unknown>;

describe('config/pipeline.schema.json under ajv (draft 2020-12)', () => {
  it('accepts every shipped config, environment references included', () => {
    const configs = readdirSync(path.join(PROJECT_ROOT, 'config')).filter((f) =>
      /\.ya?ml$/.test(f),
    );
    expect(configs).toContain('pipeline.yaml');
    for (const name of configs) {
      const document: unknown = parse(
        readFileSync(path.join(PROJECT_ROOT, 'config', name), 'utf8'),
      );
      expect(errorsOf(document), name).toEqual([]);
    }
    expect(readFileSync(shippedFile, 'utf8')).toContain('kind: ${STRATA_STORAGE_KIND:-local}');
  });

  it('accepts every pipeline example in README.md and docs/, put into the shipped config', () => {
    const examples = pipelineExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const { where, sections } of examples) {
      const document = { ...shipped(), ...sections };
      expect(errorsOf(document), where).toEqual([]);
      // And the loader agrees: what the editor accepts, `strata validate` accepts.
      expect(() => parsePipeline(stringify(document), `${where}.yaml`, {}), where).not.toThrow();
    }
  });

  it('still rejects what the loader rejects, written literally', () => {
    const withStorage = (storage: Record<string, unknown>): unknown => ({
      ...shipped(),
      storage: { ...(shipped().storage as object), ...storage },
    });
    expect(errorsOf(withStorage({ kind: 'gcs' }))).not.toEqual([]);
    expect(errorsOf(withStorage({ bucket: 'Not_A_Bucket' }))).not.toEqual([]);
    expect(errorsOf(withStorage({ kind: '$STRATA_STORAGE_KIND' }))).not.toEqual([]);
    expect(errorsOf({ ...shipped(), version: 'one' })).not.toEqual([]);
  });

  it('accepts ${VAR} and ${VAR:-default} for booleans, numbers, enums and patterns', () => {
    const document = {
      ...shipped(),
      kafka: { ...(shipped().kafka as object), partitions: '${PARTITIONS:-3}' },
      storage: { kind: '${KIND}', bucket: '${BUCKET:-strata-lake}', prefix: '${PREFIX}' },
    };
    expect(errorsOf(document)).toEqual([]);
  });

  it('carries prefixes as patterns, with no non-standard format', () => {
    const text = readFileSync(schemaFile, 'utf8');
    expect(text).not.toContain('"format": "starts_with"');
    const formats = [...text.matchAll(/"format": "([^"]+)"/g)].map((m) => m[1]);
    for (const format of formats) expect(['uri', 'email', 'date-time']).toContain(format);
  });
});

/** ```yaml blocks whose top-level keys are all pipeline sections, with where they are. */
function pipelineExamples(): Array<{ where: string; sections: Record<string, unknown> }> {
  const sections = new Set(
    Object.keys(
      (JSON.parse(readFileSync(schemaFile, 'utf8')) as { properties: object }).properties,
    ),
  );
  const files = [
    'README.md',
    ...readdirSync(path.join(PROJECT_ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const found: Array<{ where: string; sections: Record<string, unknown> }> = [];
  for (const file of files) {
    const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
    for (const match of text.matchAll(/```yaml\n([\s\S]*?)```/g)) {
      const block: unknown = parse(match[1] ?? '');
      if (typeof block !== 'object' || block === null) continue;
      const keys = Object.keys(block);
      if (keys.length === 0 || !keys.every((k) => sections.has(k))) continue;
      const line = text.slice(0, match.index).split('\n').length;
      found.push({ where: `${file}:${line}`, sections: block as Record<string, unknown> });
    }
  }
  return found;
}
