import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ServiceSettings } from '../../shared/settings.ts';

/**
 * A CloudWatch client for the configured endpoint (AWS_ENDPOINT_URL: moto in tests). The SDK's
 * own retries are off: the publisher retries with Strata's backoff and keeps what it could not
 * send, and a call must never hang the monitor, hence the timeouts.
 */
export function createCloudWatchClient(
  settings: Pick<ServiceSettings, 'awsEndpointUrl' | 'awsRegion'>,
): CloudWatchClient {
  return new CloudWatchClient({
    region: settings.awsRegion,
    endpoint: settings.awsEndpointUrl,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
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
