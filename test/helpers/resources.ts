/** Test resources and their cleanups; no vitest import, so benchmarks can use it too. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Cleanup = () => Promise<void>;

/** Collects cleanups in creation order and runs them in reverse, each even if another fails. */
export class Resources {
  private readonly cleanups: Cleanup[] = [];

  add(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  async release(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) =>
        process.stderr.write(`cleanup failed: ${String(error)}\n`),
      );
    }
  }
}

/** A temporary folder, removed with the resources. */
export async function tempDir(resources: Resources, label: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `strata-${label}-`));
  resources.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
