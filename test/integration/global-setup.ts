import { StackUpError, stackDown, stackUp, type ServiceName } from '../../src/stack/index.ts';

const progress = (message: string): void => {
  process.stderr.write(`[stack] ${message}\n`);
};

/**
 * Brings the real services up once per test run (reusing whatever already answers) and, at
 * teardown, stops only what this run started, so a developer's running stack is left alone.
 */
export default async function setup(): Promise<() => Promise<void>> {
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
