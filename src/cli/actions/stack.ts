import { WorkFailedError } from '../../shared/errors.ts';
import {
  formatStatusTable,
  resolveStackConfig,
  isUp,
  parseServiceList,
  stackDown,
  stackStatus,
  stackUp,
  type ServiceStatus,
} from '../../stack/index.ts';
import { print } from '../print.ts';

export interface StackCommandOptions {
  only?: string;
  json?: boolean;
  kafkaBrokers?: number;
}

/** The addresses from the environment; a Kafka cluster when --kafka-brokers asks for one. */
const configFor = (options: StackCommandOptions) =>
  resolveStackConfig(process.env, {}, { kafkaBrokers: options.kafkaBrokers });

// Progress goes to stderr so stdout carries only the result (a table, or JSON with --json).
const progress = (message: string): void => {
  process.stderr.write(`stack: ${message}\n`);
};

export async function up(options: StackCommandOptions): Promise<void> {
  const result = await stackUp({
    services: parseServiceList(options.only),
    config: configFor(options),
    onProgress: progress,
  });
  print(options.json, result, formatStatusTable(result.services));
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
