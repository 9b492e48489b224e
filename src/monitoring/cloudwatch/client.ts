import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ServiceSettings } from '../../shared/settings.ts';

/**
 * A CloudWatch client for the configured endpoint (AWS_ENDPOINT_URL: moto in tests). The SDK's
 * own retries are off: the publisher retries with Strata's backoff and keeps what it could not
 * send, and a call must never hang the monitor, hence the timeouts (the request timeout throws;
 * each call also has a deadline that aborts it, see CLOUDWATCH_CALL_TIMEOUT_MS).
 */
export function createCloudWatchClient(
  settings: Pick<ServiceSettings, 'awsEndpointUrl' | 'awsRegion'>,
): CloudWatchClient {
  return new CloudWatchClient({
    region: settings.awsRegion,
    endpoint: settings.awsEndpointUrl,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
    },
  });
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'AccessDenied',
  'AccessDeniedException',
]);

/** Whether an error means the credentials (or their permissions) are wrong, not the request. */
export function isCredentialsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, Code, $metadata } = error as {
    name?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof name === 'string' && CREDENTIAL_ERRORS.has(name)) return true;
  if (typeof Code === 'string' && CREDENTIAL_ERRORS.has(Code)) return true;
  return $metadata?.httpStatusCode === 403;
}

/** One CloudWatch call, every byte of it: past this it is aborted and fails as a transient error. */
export const CLOUDWATCH_CALL_TIMEOUT_MS = 15_000;
