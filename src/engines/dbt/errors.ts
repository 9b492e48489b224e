import { TransientError, UsageError, WorkFailedError } from '../../shared/errors.ts';
import type { DbtInvocationResult } from './types.ts';

/** dbt ran and a model or an error-severity test failed. Carries the parsed results. */
export class DbtWorkFailedError extends WorkFailedError {
  override readonly name = 'DbtWorkFailedError';
  constructor(
    message: string,
    readonly result: DbtInvocationResult,
  ) {
    super(message);
  }
}

/** dbt did not get to run the work: bad arguments, project, profile or target (exit code 2). */
export class DbtUsageError extends UsageError {
  override readonly name = 'DbtUsageError';
}

/** The invocation exceeded its time budget and was stopped. */
export class DbtTimeoutError extends TransientError {
  override readonly name = 'DbtTimeoutError';
}

// Failures that say "try again later" rather than "fix something": another process holds the
// DuckDB file, or the warehouse (Athena) is unreachable or throttling.
const TRANSIENT_PATTERNS = [
  /could not set lock on file/i,
  /conflicting lock/i,
  /throttl/i,
  /rate exceeded/i,
  /too many requests/i,
  /connection (?:reset|refused|timed out)/i,
  /temporarily unavailable/i,
  /endpoint url/i,
];

export function looksTransient(message: string): boolean {
  return TRANSIENT_PATTERNS.some((pattern) => pattern.test(message));
}

/** Maps dbt's exit code 2 to the error vocabulary. */
export function invocationError(command: string, message: string): Error {
  const text = `dbt ${command} could not run: ${message}`;
  return looksTransient(message) ? new TransientError(text) : new DbtUsageError(text);
}
