import { AthenaClient } from '@aws-sdk/client-athena';
import { serviceSettings } from '../../shared/settings.ts';

/** An Athena client for this environment: AWS_ENDPOINT_URL (moto, LocalStack) when set. */
export function createAthenaClient(env: NodeJS.ProcessEnv = process.env): AthenaClient {
  const settings = serviceSettings(env);
  return new AthenaClient({
    region: settings.awsRegion,
    ...(settings.awsEndpointUrl ? { endpoint: settings.awsEndpointUrl } : {}),
    // Our own loop retries with backoff and knows the query's deadline; keep the SDK's short.
    maxAttempts: 2,
    // Without throwOnRequestTimeout the SDK only warns and waits on; each call also has its own
    // deadline in query.ts.
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: 15_000,
      throwOnRequestTimeout: true,
    },
  });
}
