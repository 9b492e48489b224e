import { createHash } from 'node:crypto';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, ConfigErrors, errorMessage } from '../shared/errors.ts';
import { AssetGraph } from '../graph/graph.ts';
import { selectAssets } from '../graph/selection.ts';
import { compilePipeline } from './compile.ts';
import { checkGraph } from './graph-checks.ts';
import { interpolateEnv } from './interpolate.ts';
import { readConfigFile } from './read-file.ts';
import { pipelineSchema } from './schema.ts';
import { SourceMap, formatPath, type ConfigPath } from './source-map.ts';
import type { Pipeline } from './types.ts';
import { documentValue, yamlErrors } from './yaml-input.ts';

export interface LoadedPipeline extends Pipeline {
  graph: AssetGraph;
  /** sha256 of the file's text (12 hex digits): replicas compare it to see they agree. */
  sourceHash: string;
}

/**
 * Loads config in stages: YAML with positions -> environment references -> schema -> compiled
 * pipeline -> graph checks. Every stage reports all of its problems with file:line:col and the
 * key, so one run of `strata validate` shows everything to fix.
 */
export async function loadPipeline(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedPipeline> {
  const absolute = path.resolve(file);
  const text = await readConfigFile(absolute, file);
  return parsePipeline(text, absolute, env);
}

export function parsePipeline(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): LoadedPipeline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const where = new SourceMap(doc, lines);
  const display = displayPath(file);

  throwIfAny(yamlErrors(doc, display, lines));
  throwIfAny(
    interpolateEnv(doc, env).map((u) => {
      const { line, col } = lines.linePos(u.offset);
      return new ConfigError(
        display,
        line,
        col,
        formatPath(u.path),
        `environment variable ${u.variable} is not set (use \${${u.variable}:-default} for a default)`,
      );
    }),
  );

  const parsed = pipelineSchema.safeParse(documentValue(doc, display, lines));
  if (!parsed.success) throwIfAny(schemaErrors(parsed.error, where, display));

  const pipeline = compilePipeline((parsed as { data: z.infer<typeof pipelineSchema> }).data, file);
  throwIfAny(checkGraph(pipeline, where, display));
  const graph = new AssetGraph(pipeline.assets);
  throwIfAny(scheduleSelectionErrors(pipeline, graph, where, display));
  return { ...pipeline, graph, sourceHash: hashText(text) };
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

function scheduleSelectionErrors(
  pipeline: Pipeline,
  graph: AssetGraph,
  where: SourceMap,
  file: string,
): ConfigError[] {
  return pipeline.schedules.flatMap((schedule) => {
    if (!('select' in schedule.target)) return [];
    try {
      selectAssets(schedule.target.select, graph, pipeline.assets);
      return [];
    } catch (error) {
      const path = ['schedules', schedule.name, 'select'];
      const { line, col } = where.position(path);
      return [new ConfigError(file, line, col, formatPath(path), errorMessage(error))];
    }
  });
}

function schemaErrors(error: z.ZodError, where: SourceMap, file: string): ConfigError[] {
  return error.issues.flatMap((issue) => {
    const issuePath = issue.path as ConfigPath;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const { line, col } = where.position(issuePath, key);
        return new ConfigError(file, line, col, formatPath([...issuePath, key]), 'unknown field');
      });
    }
    const onKey = issue.code === 'invalid_key';
    const { line, col } = onKey ? where.keyPosition(issuePath) : where.position(issuePath);
    return [new ConfigError(file, line, col, formatPath(issuePath), describeIssue(issue))];
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_key') {
    const inner = issue.issues[0];
    return `invalid key: ${inner?.message ?? issue.message}`;
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    return `${issue.message}: expected ${String(issue.discriminator)} to be one of the known values`;
  }
  return issue.message;
}

function throwIfAny(errors: ConfigError[]): void {
  if (errors.length === 0) return;
  errors.sort((a, b) => a.line - b.line || a.col - b.col);
  const [first] = errors;
  throw errors.length === 1 && first ? first : new ConfigErrors(errors);
}

/** Paths under the working directory print relative, as editors and terminals link them. */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
