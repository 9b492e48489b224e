import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/shared/settings.ts';
import { StackUpError, stackDown, stackUp, type ServiceName } from '../../src/stack/index.ts';

const progress = (message: string): void => {
  process.stderr.write(`[stack] ${message}\n`);
};

/**
 * Tests start `strata` as users do, through bin/strata.js, which runs dist/ when it is fresh and
 * the sources through tsx otherwise. Building first when dist/ is stale makes every spawned CLI
 * run the compiled code of the sources under test, as after `npm ci`, without tsx's start-up
 * cost or its notice on stderr. (A source edited during the run is noticed by bin/strata.js,
 * which then runs the sources: never a stale dist/.)
 */
function buildIfStale(): void {
  execFileSync(
    process.execPath,
    [path.join(PROJECT_ROOT, 'scripts/build/build.js'), '--if-stale'],
    {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
    },
  );
}

/**
 * Brings the real services up once per test run (reusing whatever already answers) and, at
 * teardown, stops only what this run started, so a developer's running stack is left alone.
 */
export default async function setup(): Promise<() => Promise<void>> {
  buildIfStale();
  let started: ServiceName[];
  try {
    ({ started } = await stackUp({ onProgress: progress }));
  } catch (error) {
    if (error instanceof StackUpError && error.started.length > 0) {
      await stackDown({ services: error.started, onProgress: progress });
    }
    throw error;
  }
  return async () => {
    if (started.length > 0) await stackDown({ services: started, onProgress: progress });
  };
}
