import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Each invocation gets its own target dir (parallel Athena runs must not overwrite each
 * other's run_results.json), which would cost a full parse every time. dbt's partial parse
 * state is one file, so we keep the newest copy per target in a shared cache, seed each
 * invocation with it and publish it back with an atomic rename. dbt itself checks that the
 * file matches the project, vars and profile, and re-parses fully when it does not.
 */
const FILE = 'partial_parse.msgpack';

export async function seedPartialParse(cacheDir: string, targetDir: string): Promise<void> {
  await mkdir(targetDir, { recursive: true });
  try {
    await copyFile(path.join(cacheDir, FILE), path.join(targetDir, FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export async function publishPartialParse(targetDir: string, cacheDir: string): Promise<void> {
  const produced = path.join(targetDir, FILE);
  if (!(await exists(produced))) return;
  await mkdir(cacheDir, { recursive: true });
  const temporary = path.join(cacheDir, `.${FILE}.${randomUUID()}`);
  try {
    await copyFile(produced, temporary);
    await rename(temporary, path.join(cacheDir, FILE));
  } finally {
    await rm(temporary, { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
