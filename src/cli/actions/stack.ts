import { loadPipeline } from '../../config/index.ts';
import { WorkFailedError, errorMessage } from '../../shared/errors.ts';
import {
  ensureMotoBucket,
  formatStatusTable,
  isUp,
  parseServiceList,
  resolveStackConfig,
  stackDown,
  stackStatus,
  stackUp,
  type RedisMode,
  type ServiceStatus,
} from '../../stack/index.ts';
import { print } from '../print.ts';

export interface StackCommandOptions {
  only?: string;
  json?: boolean;
  kafkaBrokers?: number;
  redis?: RedisMode;
}

/** The addresses from the environment; a Kafka cluster when --kafka-brokers asks for one. */
const configFor = (options: StackCommandOptions) =>
  resolveStackConfig(process.env, {}, { kafkaBrokers: options.kafkaBrokers, redis: options.redis });

// Progress goes to stderr so stdout carries only the result (a table, or JSON with --json).
const progress = (message: string): void => {
  process.stderr.write(`stack: ${message}\n`);
};

export async function up(file: string, options: StackCommandOptions): Promise<void> {
  const services = parseServiceList(options.only);
  const config = configFor(options);
  const result = await stackUp({ services, config, onProgress: progress });
  if (services.includes('moto')) await createConfiguredBucket(file, config.moto);
  print(options.json, result, formatStatusTable(result.services));
}

/**
 * The pipeline's bucket (`storage.bucket`, whatever `storage.kind` says, so switching to s3 needs
 * no second step) is created on the local moto. A config that does not load only skips this.
 */
async function createConfiguredBucket(
  file: string,
  moto: ReturnType<typeof configFor>['moto'],
): Promise<void> {
  let bucket: string | undefined;
  try {
    bucket = (await loadPipeline(file)).storage.bucket;
  } catch (error) {
    progress(
      `moto: no bucket created, ${file} does not load: ${errorMessage(error).split('\n')[0]}`,
    );
    return;
  }
  if (bucket === undefined) return;
  const outcome = await ensureMotoBucket(moto, bucket);
  progress(`moto: bucket ${bucket} ${outcome === 'created' ? 'created' : 'already exists'}`);
}

export async function down(options: StackCommandOptions): Promise<void> {
  const result = await stackDown({
    services: parseServiceList(options.only),
    config: configFor(options),
    onProgress: progress,
  });
  print(options.json, result, result.services.map((s) => `${s.name}  ${s.outcome}`).join('\n'));
}

export async function status(options: StackCommandOptions): Promise<void> {
  const services: ServiceStatus[] = await stackStatus({
    services: parseServiceList(options.only),
    config: configFor(options),
  });
  print(options.json, { services }, formatStatusTable(services));
  if (!services.every(isUp))
    throw new WorkFailedError('some services are not up; run `strata stack up`');
}
