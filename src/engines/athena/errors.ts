import type { QueryExecution } from '@aws-sdk/client-athena';
import { TransientError, WorkFailedError } from '../../shared/errors.ts';

export interface AthenaQueryContext {
  queryExecutionId: string;
  state: string;
  reason: string | undefined;
  workGroup: string | undefined;
  outputLocation: string | undefined;
}

/** A query Athena ran and failed or cancelled; not worth retrying as is. */
export class AthenaQueryError extends WorkFailedError {
  override readonly name = 'AthenaQueryError';
  constructor(
    message: string,
    readonly context: AthenaQueryContext,
  ) {
    super(message);
  }
}

/** A query Athena failed for its own reasons (capacity, internal error); retry may succeed. */
export class AthenaRetryableQueryError extends TransientError {
  override readonly name = 'AthenaRetryableQueryError';
  constructor(
    message: string,
    readonly context: AthenaQueryContext,
  ) {
    super(message);
  }
}

/** The query ran past its deadline; it has been asked to stop. */
export class AthenaQueryTimeoutError extends TransientError {
  override readonly name = 'AthenaQueryTimeoutError';
}

// AthenaError.ErrorCategory: 1 = system (Athena's side), 2 = user, 3 = other.
const SYSTEM_ERROR = 1;

/**
 * Pure: the error for a query in a terminal FAILED or CANCELLED state, undefined otherwise.
 * The message names Athena's reason, the work group and the output location, the three things
 * needed to find the query in the console and its partial results in S3.
 */
export function queryStateError(execution: QueryExecution): Error | undefined {
  const state = execution.Status?.State;
  if (state !== 'FAILED' && state !== 'CANCELLED') return undefined;
  const athenaError = execution.Status?.AthenaError;
  const context: AthenaQueryContext = {
    queryExecutionId: execution.QueryExecutionId ?? 'unknown',
    state,
    reason: execution.Status?.StateChangeReason ?? athenaError?.ErrorMessage,
    workGroup: execution.WorkGroup,
    outputLocation: execution.ResultConfiguration?.OutputLocation,
  };
  const message =
    `Athena query ${context.queryExecutionId} ${state.toLowerCase()}: ` +
    `${context.reason ?? (state === 'CANCELLED' ? 'cancelled (no reason given)' : 'no reason given')} ` +
    `(work group ${context.workGroup ?? 'unknown'}, output ${context.outputLocation ?? 'none'})`;
  const retryable =
    state === 'FAILED' &&
    (athenaError?.Retryable === true || athenaError?.ErrorCategory === SYSTEM_ERROR);
  return retryable
    ? new AthenaRetryableQueryError(message, context)
    : new AthenaQueryError(message, context);
}
