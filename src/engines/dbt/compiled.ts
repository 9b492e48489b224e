import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/*
 * Each invocation's target dir is removed when it ends (see runner.ts), and with it the SQL dbt
 * compiled. The newest compiled SQL of every model an invocation compiled is kept per target in
 * `<runsDir>/compiled/<target>/<model>.sql`, written with an atomic rename like the partial
 * parse cache, so the asset page can show what dbt really ran. Readers only ever join a model
 * name from the loaded pipeline (checked against MODEL_NAME) onto these directories.
 */

/** dbt model names as Strata's config accepts them; anything else is never joined onto a path. */
const MODEL_NAME = /^[A-Za-z0-9_]{1,200}$/;

/** Compiled SQL beyond this is cut: the page shows a model, not a dump. */
const MAX_SQL_BYTES = 256 * 1024;

const manifestSchema = z.object({
  nodes: z
    .record(
      z.string(),
      z.object({
        resource_type: z.string(),
        name: z.string(),
        package_name: z.string(),
        original_file_path: z.string(),
        compiled_code: z.string().nullish(),
      }),
    )
    .default({}),
});

export function compiledSqlDir(runsDir: string, target: string): string {
  return path.join(runsDir, 'compiled', target);
}

/**
 * Copies the compiled SQL of the models in `uniqueIds` (from run_results.json) out of an
 * invocation's target dir into the per-target cache. Returns the models kept. dbt writes
 * `compiled/<package>/<original_file_path>` for every node it compiled; the manifest's
 * `compiled_code` stands in when the file is missing.
 */
export async function publishCompiledSql(
  targetDir: string,
  cacheDir: string,
  uniqueIds: readonly string[],
): Promise<string[]> {
  if (uniqueIds.length === 0) return [];
  let manifest: z.infer<typeof manifestSchema>;
  try {
    manifest = manifestSchema.parse(
      JSON.parse(await readFile(path.join(targetDir, 'manifest.json'), 'utf8')),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const kept: string[] = [];
  for (const id of uniqueIds) {
    const node = manifest.nodes[id];
    if (!node || node.resource_type !== 'model' || !MODEL_NAME.test(node.name)) continue;
    const compiledRoot = path.join(targetDir, 'compiled', node.package_name);
    const file = path.resolve(compiledRoot, node.original_file_path);
    if (!file.startsWith(compiledRoot + path.sep)) continue;
    const sql = (await readOptional(file)) ?? node.compiled_code ?? undefined;
    if (sql === undefined) continue;
    await mkdir(cacheDir, { recursive: true });
    const temporary = path.join(cacheDir, `.${node.name}.${randomUUID()}`);
    try {
      await writeFile(temporary, sql);
      await rename(temporary, path.join(cacheDir, `${node.name}.sql`));
    } finally {
      await rm(temporary, { force: true });
    }
    kept.push(node.name);
  }
  return kept;
}

export interface ModelSql {
  /** `compiled`: what dbt last ran; `source`: the model file, not compiled yet. */
  kind: 'compiled' | 'source';
  sql: string;
  /** When it was compiled (or the file last changed), ms since the epoch. */
  at: number;
  /** The file, relative to the dbt project for `source`, to the cache for `compiled`. */
  file: string;
  /** The SQL was longer than the page shows and was cut. */
  truncated: boolean;
}

/**
 * The newest compiled SQL of `model` for `target`, or, when none was kept yet, the model's own
 * SQL file from the project's model paths. Undefined when neither exists (or the name is not a
 * model name).
 */
export async function readModelSql(
  model: string,
  where: { runsDir: string; target: string; projectDir: string },
): Promise<ModelSql | undefined> {
  if (!MODEL_NAME.test(model)) return undefined;
  const compiled = path.join(compiledSqlDir(where.runsDir, where.target), `${model}.sql`);
  const kept = await readCapped(compiled);
  if (kept) return { kind: 'compiled', file: `${model}.sql`, ...kept };
  const source = await findModelFile(where.projectDir, model);
  if (!source) return undefined;
  const raw = await readCapped(source);
  return raw && { kind: 'source', file: path.relative(where.projectDir, source), ...raw };
}

/** `<model>.sql` under the project's model paths (dbt_project.yml `model-paths`, default models/). */
async function findModelFile(projectDir: string, model: string): Promise<string | undefined> {
  for (const dir of await modelPaths(projectDir)) {
    const found = await findFile(dir, `${model}.sql`, 8);
    if (found) return found;
  }
  return undefined;
}

async function modelPaths(projectDir: string): Promise<string[]> {
  let configured: unknown;
  try {
    const project = parseYaml(await readFile(path.join(projectDir, 'dbt_project.yml'), 'utf8')) as {
      'model-paths'?: unknown;
    } | null;
    configured = project?.['model-paths'];
  } catch {
    return [];
  }
  const names = Array.isArray(configured)
    ? configured.filter((p): p is string => typeof p === 'string')
    : ['models'];
  const root = path.resolve(projectDir);
  return names
    .map((name) => path.resolve(root, name))
    .filter((dir) => dir.startsWith(root + path.sep));
}

async function findFile(dir: string, name: string, depth: number): Promise<string | undefined> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const hit = entries.find((e) => e.isFile() && e.name === name);
  if (hit) return path.join(dir, hit.name);
  if (depth === 0) return undefined;
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const found = await findFile(path.join(dir, entry.name), name, depth - 1);
    if (found) return found;
  }
  return undefined;
}

async function readCapped(
  file: string,
): Promise<{ sql: string; at: number; truncated: boolean } | undefined> {
  try {
    const [info, buffer] = await Promise.all([stat(file), readFile(file)]);
    const truncated = buffer.length > MAX_SQL_BYTES;
    const sql = buffer.subarray(0, MAX_SQL_BYTES).toString('utf8');
    return { sql, at: Math.round(info.mtimeMs), truncated };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
