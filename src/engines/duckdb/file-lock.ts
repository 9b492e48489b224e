import path from 'node:path';

/**
 * DuckDB lets one process open a database file read-write, or any number of processes open it
 * read-only, never both: a read-only handle held by this process makes dbt (a separate process)
 * fail to open the warehouse, and a running dbt makes our read-only open fail. So every user of
 * a warehouse file in this process (status queries, checks, dbt invocations on the local
 * target) takes this per-file lock, one at a time. Across processes the orchestrator serializes
 * dbt runs; a read that meets a foreign lock gets a TransientError from withDuckDb.
 */
const tails = new Map<string, Promise<void>>();

export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const key = path.resolve(file);
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous.then(() => current);
  tails.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    // Forget the file when nobody queued behind us, so the map does not grow per path.
    if (tails.get(key) === tail) tails.delete(key);
  }
}
