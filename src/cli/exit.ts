import { UsageError, WorkFailedError, errorMessage } from '../shared/errors.ts';

/** The contract: 0 ok, 1 the work failed (a check, a model), 2 bad usage or config. */
const EXIT_WORK_FAILED = 1;
const EXIT_USAGE = 2;

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof WorkFailedError) return EXIT_WORK_FAILED;
  return EXIT_WORK_FAILED;
}

export function reportError(error: unknown): void {
  const prefix = error instanceof UsageError ? '' : 'error: ';
  process.stderr.write(`${prefix}${errorMessage(error)}\n`);
  if (process.env.STRATA_DEBUG && error instanceof Error && error.stack) {
    process.stderr.write(`${error.stack}\n`);
  }
}
