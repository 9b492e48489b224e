import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** A model (or seed/snapshot) as the invocation left it. */
export interface ModelResult {
  uniqueId: string;
  name: string;
  resourceType: string;
  /** success | error | skipped | no-op (compile: success) */
  status: string;
  message: string | null;
  relation: string | null;
  executionMs: number;
  startedAt: string | null;
  completedAt: string | null;
}

/** A data test and the model it guards. */
export interface TestResult {
  uniqueId: string;
  name: string;
  /** pass | fail | warn | error | skipped (compile: success) */
  status: string;
  severity: 'error' | 'warn';
  /** Rows the test returned; null when it did not run. */
  failures: number | null;
  message: string | null;
  /** The model the test is attached to (its column's model), by name and unique id. */
  model: string | null;
  modelUniqueId: string | null;
  column: string | null;
  /** not_null, unique, recency_check, ... */
  testType: string | null;
  executionMs: number;
}

/** A `dbt source freshness` result. */
export interface SourceFreshnessResult {
  uniqueId: string;
  source: string;
  table: string;
  /** pass | warn | error | runtime error */
  status: string;
  maxLoadedAt: string | null;
  snapshottedAt: string | null;
  ageSeconds: number | null;
  message: string | null;
}

export interface InvocationArtifacts {
  models: ModelResult[];
  tests: TestResult[];
  sources: SourceFreshnessResult[];
  /** dbt's own elapsed time of the run phase (run_results.json), without start-up and parse. */
  runElapsedMs: number | undefined;
}

const timingSchema = z.object({
  name: z.string(),
  started_at: z.string().nullish(),
  completed_at: z.string().nullish(),
});

const runResultsSchema = z.object({
  elapsed_time: z.number().optional(),
  results: z.array(
    z.object({
      unique_id: z.string(),
      status: z.string(),
      message: z.string().nullish(),
      failures: z.number().nullish(),
      execution_time: z.number().default(0),
      relation_name: z.string().nullish(),
      timing: z.array(timingSchema).default([]),
    }),
  ),
});

const manifestNodeSchema = z.object({
  unique_id: z.string(),
  resource_type: z.string(),
  name: z.string(),
  column_name: z.string().nullish(),
  attached_node: z.string().nullish(),
  test_metadata: z.object({ name: z.string() }).nullish(),
  config: z.looseObject({ severity: z.string().nullish() }).default({}),
  source_name: z.string().nullish(),
});

const manifestSchema = z.object({
  nodes: z.record(z.string(), manifestNodeSchema).default({}),
  sources: z.record(z.string(), manifestNodeSchema).default({}),
});

const sourcesSchema = z.object({
  results: z.array(
    z.object({
      unique_id: z.string(),
      status: z.string(),
      max_loaded_at: z.string().nullish(),
      snapshotted_at: z.string().nullish(),
      max_loaded_at_time_ago_in_s: z.number().nullish(),
      error: z.string().nullish(),
    }),
  ),
});

type Manifest = z.infer<typeof manifestSchema>;
type RunResult = z.infer<typeof runResultsSchema>['results'][number];

/** Reads run_results.json, manifest.json and sources.json from one invocation's target dir. */
export async function readInvocationArtifacts(targetDir: string): Promise<InvocationArtifacts> {
  const [runResults, manifest, sources] = await Promise.all([
    readArtifact(targetDir, 'run_results.json', runResultsSchema),
    readArtifact(targetDir, 'manifest.json', manifestSchema),
    readArtifact(targetDir, 'sources.json', sourcesSchema),
  ]);
  const emptyManifest: Manifest = { nodes: {}, sources: {} };
  const elapsed = runResults?.elapsed_time;
  return {
    ...interpretArtifacts(
      runResults?.results ?? [],
      manifest ?? emptyManifest,
      sources?.results ?? [],
    ),
    runElapsedMs: elapsed === undefined ? undefined : Math.round(elapsed * 1000),
  };
}

/** Pure: joins run results with the manifest so each test knows its model and severity. */
export function interpretArtifacts(
  results: readonly RunResult[],
  manifest: Manifest,
  freshness: z.infer<typeof sourcesSchema>['results'],
): Omit<InvocationArtifacts, 'runElapsedMs'> {
  const models: ModelResult[] = [];
  const tests: TestResult[] = [];
  for (const result of results) {
    const node = manifest.nodes[result.unique_id];
    const resourceType = node?.resource_type ?? result.unique_id.split('.')[0] ?? 'unknown';
    if (resourceType === 'test') tests.push(testResult(result, node, manifest));
    else if (resourceType === 'model' || resourceType === 'seed' || resourceType === 'snapshot') {
      models.push(modelResult(result, node?.name ?? lastPart(result.unique_id), resourceType));
    }
  }
  return { models, tests, sources: freshness.map((f) => sourceResult(f, manifest)) };
}

function modelResult(result: RunResult, name: string, resourceType: string): ModelResult {
  const execute = result.timing.find((t) => t.name === 'execute');
  return {
    uniqueId: result.unique_id,
    name,
    resourceType,
    status: result.status,
    message: result.message ?? null,
    relation: result.relation_name ?? null,
    executionMs: Math.round(result.execution_time * 1000),
    startedAt: result.timing[0]?.started_at ?? null,
    completedAt: execute?.completed_at ?? result.timing.at(-1)?.completed_at ?? null,
  };
}

function testResult(
  result: RunResult,
  node: Manifest['nodes'][string] | undefined,
  manifest: Manifest,
): TestResult {
  const modelUniqueId = node?.attached_node ?? null;
  const model = modelUniqueId
    ? (manifest.nodes[modelUniqueId]?.name ?? lastPart(modelUniqueId))
    : null;
  return {
    uniqueId: result.unique_id,
    name: node?.name ?? lastPart(result.unique_id),
    status: result.status,
    severity: node?.config.severity?.toLowerCase() === 'warn' ? 'warn' : 'error',
    failures: result.failures ?? null,
    message: result.message ?? null,
    model,
    modelUniqueId,
    column: node?.column_name ?? null,
    testType: node?.test_metadata?.name ?? null,
    executionMs: Math.round(result.execution_time * 1000),
  };
}

function sourceResult(
  result: z.infer<typeof sourcesSchema>['results'][number],
  manifest: Manifest,
): SourceFreshnessResult {
  const node = manifest.sources[result.unique_id];
  const [, , sourceName, tableName] = result.unique_id.split('.');
  return {
    uniqueId: result.unique_id,
    source: node?.source_name ?? sourceName ?? result.unique_id,
    table: node?.name ?? tableName ?? result.unique_id,
    status: result.status,
    maxLoadedAt: result.max_loaded_at ?? null,
    snapshottedAt: result.snapshotted_at ?? null,
    ageSeconds: result.max_loaded_at_time_ago_in_s ?? null,
    message: result.error ?? null,
  };
}

/** test.strata.silver_name_not_empty.8d6f0e8a1b -> silver_name_not_empty; model.strata.x -> x */
function lastPart(uniqueId: string): string {
  const parts = uniqueId.split('.');
  return (parts[0] === 'test' && parts.length > 3 ? parts.at(-2) : parts.at(-1)) ?? uniqueId;
}

async function readArtifact<S extends z.ZodType>(
  dir: string,
  file: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return schema.parse(JSON.parse(text));
}
