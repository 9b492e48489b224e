/**
 * Strata's error vocabulary. Every failure that crosses a module boundary is one of these,
 * so retry decisions are made in one place (`isTransient`) instead of by string matching
 * scattered through processors.
 */

/** Bad user input: config, selection, CLI usage. Exit code 2, never retried. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** A config file problem with its source position. */
export class ConfigError extends UsageError {
  override readonly name: string = 'ConfigError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly key: string,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${file}:${line}:${col}: ${key ? `${key}: ` : ''}${detail}`, options);
  }
}

/** How many config problems a message lists; a binary file would otherwise print thousands. */
export const CONFIG_ERRORS_SHOWN = 20;

/** Several config problems reported together, so a user fixes them in one pass. */
export class ConfigErrors extends UsageError {
  override readonly name: string = 'ConfigErrors';
  constructor(readonly errors: readonly ConfigError[]) {
    const shown = errors.slice(0, CONFIG_ERRORS_SHOWN).map((e) => clip(e.message));
    const hidden = errors.length - shown.length;
    if (hidden > 0) shown.push(`... and ${hidden} more (${errors.length} errors in all)`);
    super(shown.join('\n'));
  }
}

/** Keys and YAML errors quote the input; from a binary file that can be kilobytes per line. */
const MAX_LINE_CHARS = 240;

function clip(text: string): string {
  return text.length <= MAX_LINE_CHARS ? text : `${text.slice(0, MAX_LINE_CHARS)}…`;
}

/** The work itself failed (a dbt model, an error-severity check). Exit code 1, not retried. */
export class WorkFailedError extends Error {
  override readonly name: string = 'WorkFailedError';
}

/** Retrying cannot help: bad data, permission denied, a missing object. */
export class NonRetriableError extends Error {
  override readonly name: string = 'NonRetriableError';
}

/** A failure that may heal by itself: a dropped connection, throttling, a 5xx. */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
  constructor(message: string, options?: ErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ThrottlingException',
  'TooManyRequestsException',
  'SlowDown',
  'RequestTimeout',
  'ServiceUnavailable',
  'InternalError',
]);

/**
 * Kafka protocol errors that a cold or moving cluster answers with: the group coordinator is not
 * elected or still loading `__consumer_offsets`, a partition has no leader yet, or a topic created
 * a moment ago is not in every broker's metadata. kafkajs marks most of them retriable but gives
 * up after its own small budget; named here so the answer does not depend on that flag.
 */
const KAFKA_TRANSIENT_TYPES = new Set([
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'REBALANCE_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NETWORK_EXCEPTION',
  'KAFKA_STORAGE_ERROR',
  'FETCH_SESSION_ID_NOT_FOUND',
]);

/** kafkajs client-side errors that mean "not reachable or not ready yet", not "wrong request". */
const KAFKA_TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSLockTimeout',
]);

/** Whether an error from any client (Kafka, S3, Athena, CloudWatch, Redis) is worth retrying. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (
    error instanceof NonRetriableError ||
    error instanceof UsageError ||
    error instanceof WorkFailedError
  ) {
    return false;
  }
  if (typeof error !== 'object' || error === null) return false;
  const e = error as {
    code?: unknown;
    name?: unknown;
    type?: unknown;
    retriable?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (e.retriable === true || e.$retryable !== undefined) return true;
  if (typeof e.type === 'string' && KAFKA_TRANSIENT_TYPES.has(e.type)) return true;
  if (typeof e.name === 'string' && KAFKA_TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (typeof e.name === 'string' && TRANSIENT_CODES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isTransient(cause);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
