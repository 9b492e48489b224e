import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { backoffDelay, sleep, type BackoffOptions } from '../../shared/backoff.ts';
import { withDeadline } from '../../shared/deadline.ts';
import { NonRetriableError, errorMessage, isTransient } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import { withRetry } from '../../shared/retry.ts';
import { AthenaQueryTimeoutError, queryStateError } from './errors.ts';
import { collectResults, type AthenaColumn, type AthenaRow } from './results.ts';

const log = createLogger('athena');

export interface AthenaQueryOptions {
  client: AthenaClient;
  sql: string;
  workGroup?: string;
  database?: string;
  catalog?: string;
  /** s3://bucket/prefix/ for results; optional when the work group enforces its own. */
  outputLocation?: string;
  /** Whole-query deadline (submit, run, fetch). Default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Delay between GetQueryExecution polls. */
  poll?: BackoffOptions;
  /** Rows per GetQueryResults page (Athena allows up to 1000). */
  pageSize?: number;
  maxRows?: number;
  /** Idempotency token: a retried submit with the same token does not start a second query. */
  clientRequestToken?: string;
}

export interface AthenaQueryResult {
  queryExecutionId: string;
  columns: AthenaColumn[];
  rows: AthenaRow[];
  truncated: boolean;
  pages: number;
  dataScannedBytes: number | undefined;
  engineExecutionMs: number | undefined;
  outputLocation: string | undefined;
}

const DEFAULT_POLL: BackoffOptions = { initialMs: 200, maxMs: 5_000, factor: 1.5, jitter: 0.2 };
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const API_ATTEMPTS = 5;
/** One API call: a hung endpoint fails the attempt (transient, retried) instead of the query. */
const CALL_TIMEOUT_MS = 20_000;

/**
 * Submits a query, polls it to a terminal state with backoff, and pages through its results.
 * On timeout or abort the query is stopped in Athena (so it stops scanning, and billing),
 * then the error is raised. FAILED and CANCELLED become AthenaQueryError (or a retryable
 * variant when Athena says so) carrying Athena's reason, the work group and output location.
 */
export async function runAthenaQuery(options: AthenaQueryOptions): Promise<AthenaQueryResult> {
  const deadline = new AbortController();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = setTimeout(
    () =>
      deadline.abort(new AthenaQueryTimeoutError(`Athena query timed out after ${timeoutMs}ms`)),
    timeoutMs,
  );
  const signal = options.signal
    ? AbortSignal.any([options.signal, deadline.signal])
    : deadline.signal;
  let queryExecutionId: string | undefined;
  try {
    queryExecutionId = await start(options, signal);
    const execution = await waitForCompletion(
      options.client,
      queryExecutionId,
      options.poll ?? DEFAULT_POLL,
      signal,
    );
    const collected = await collectResults(
      (nextToken) =>
        call(
          'GetQueryResults',
          (abortSignal) =>
            options.client.send(
              new GetQueryResultsCommand({
                QueryExecutionId: queryExecutionId,
                NextToken: nextToken,
                MaxResults: options.pageSize,
              }),
              { abortSignal },
            ),
          signal,
        ),
      { statementType: execution.StatementType, maxRows: options.maxRows },
    );
    return {
      queryExecutionId,
      ...collected,
      dataScannedBytes: execution.Statistics?.DataScannedInBytes,
      engineExecutionMs: execution.Statistics?.EngineExecutionTimeInMillis,
      outputLocation: execution.ResultConfiguration?.OutputLocation,
    };
  } catch (error) {
    if (signal.aborted && queryExecutionId !== undefined)
      await stopQuietly(options.client, queryExecutionId);
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function start(options: AthenaQueryOptions, signal: AbortSignal): Promise<string> {
  const output = await call(
    'StartQueryExecution',
    (abortSignal) =>
      options.client.send(
        new StartQueryExecutionCommand({
          QueryString: options.sql,
          WorkGroup: options.workGroup,
          ClientRequestToken: options.clientRequestToken,
          QueryExecutionContext:
            options.database || options.catalog
              ? { Database: options.database, Catalog: options.catalog }
              : undefined,
          ResultConfiguration: options.outputLocation
            ? { OutputLocation: options.outputLocation }
            : undefined,
        }),
        { abortSignal },
      ),
    signal,
  );
  if (!output.QueryExecutionId)
    throw new NonRetriableError('Athena StartQueryExecution returned no QueryExecutionId');
  log.debug(
    { queryExecutionId: output.QueryExecutionId, workGroup: options.workGroup },
    'athena query submitted',
  );
  return output.QueryExecutionId;
}

async function waitForCompletion(
  client: AthenaClient,
  queryExecutionId: string,
  poll: BackoffOptions,
  signal: AbortSignal,
): Promise<QueryExecution> {
  for (let attempt = 1; ; attempt++) {
    const { QueryExecution: execution } = await call(
      'GetQueryExecution',
      (abortSignal) =>
        client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }), {
          abortSignal,
        }),
      signal,
    );
    if (!execution)
      throw new NonRetriableError(`Athena returned no execution for ${queryExecutionId}`);
    const failure = queryStateError(execution);
    if (failure) throw failure;
    if (execution.Status?.State === 'SUCCEEDED') return execution;
    await sleep(backoffDelay(attempt, poll), signal);
  }
}

/**
 * One API call with retries on throttling and 5xx. A 4xx (no such work group, no output
 * location, unknown execution id) is final and says which operation refused.
 */
async function call<T>(
  operation: string,
  fn: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  try {
    // Each attempt has its own deadline (a hung endpoint must not hold the query's whole budget).
    const attempt = () =>
      withDeadline(`athena ${operation}`, CALL_TIMEOUT_MS, (callSignal) => fn(callSignal), signal);
    return await withRetry(attempt, {
      attempts: API_ATTEMPTS,
      signal,
      retryIf: (error) => !signal.aborted && isTransient(error),
      onRetry: (error, attempt, delayMs) =>
        log.warn(
          { operation, attempt, delayMs, error: errorMessage(error) },
          'athena call failed; retrying',
        ),
    });
  } catch (error) {
    if (signal.aborted || isTransient(error)) throw error;
    throw new NonRetriableError(`Athena ${operation} failed: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

async function stopQuietly(client: AthenaClient, queryExecutionId: string): Promise<void> {
  try {
    await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }), {
      abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    log.info({ queryExecutionId }, 'athena query stopped');
  } catch (error) {
    log.warn({ queryExecutionId, error: errorMessage(error) }, 'could not stop athena query');
  }
}
