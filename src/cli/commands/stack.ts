import type { Command } from 'commander';
import { WorkFailedError } from '../../shared/errors.ts';
import {
  formatStatusTable,
  isUp,
  parseServiceList,
  stackDown,
  stackStatus,
  stackUp,
  type ServiceStatus,
} from '../../stack/index.ts';
import { print } from './config-commands.ts';

interface StackCommandOptions {
  only?: string;
  json?: boolean;
}

// Progress goes to stderr so stdout carries only the result (a table, or JSON with --json).
const progress = (message: string): void => {
  process.stderr.write(`stack: ${message}\n`);
};

export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'start, stop and inspect the local services: Redis, Kafka, moto, dbt (no Docker needed)',
    );
  const withOptions = (command: Command): Command =>
    command
      .option('--only <services>', 'comma-separated subset of redis,kafka,moto,dbt')
      .option('--json', 'print the result as JSON');

  withOptions(stack.command('up'))
    .description(
      'start what is not running yet and wait until every service is healthy (idempotent)',
    )
    .action(async (options: StackCommandOptions) => {
      const result = await stackUp({
        services: parseServiceList(options.only),
        onProgress: progress,
      });
      print(options.json, result, formatStatusTable(result.services));
    });

  withOptions(stack.command('down'))
    .description('stop the services `stack up` started; services started by others are left alone')
    .action(async (options: StackCommandOptions) => {
      const result = await stackDown({
        services: parseServiceList(options.only),
        onProgress: progress,
      });
      print(options.json, result, result.services.map((s) => `${s.name}  ${s.outcome}`).join('\n'));
    });

  withOptions(stack.command('status'))
    .description('show each service, its address and state')
    .action(async (options: StackCommandOptions) => {
      const services: ServiceStatus[] = await stackStatus({
        services: parseServiceList(options.only),
      });
      print(options.json, { services }, formatStatusTable(services));
      if (!services.every(isUp))
        throw new WorkFailedError('some services are not up; run `strata stack up`');
    });
}
