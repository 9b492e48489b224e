import path from 'node:path';

/**
 * Addresses of the services, from the environment with local defaults. Read once per call so
 * tests can point a process elsewhere by setting variables before spawning it.
 */
export interface ServiceSettings {
  redisUrl: string;
  kafkaBrokers: string[];
  awsEndpointUrl: string | undefined;
  awsRegion: string;
  dataDir: string;
  projectRoot: string;
}

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

export function serviceSettings(env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  return {
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    awsEndpointUrl: env.AWS_ENDPOINT_URL || undefined,
    awsRegion: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    dataDir: path.resolve(env.STRATA_DATA_DIR ?? path.join(PROJECT_ROOT, 'data')),
    projectRoot: PROJECT_ROOT,
  };
}
