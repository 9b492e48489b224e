import { Option, type Command } from 'commander';
import type { StackCommandOptions } from '../actions/stack.ts';
import { positiveInt } from '../options.ts';
import { configFile } from './config-commands.ts';

export function registerStackCommand(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'start, stop and inspect the local services: Redis, Kafka, moto, dbt (no Docker needed)',
    );
  const withOptions = (command: Command): Command =>
    command
      .option('--only <services>', 'comma-separated subset of redis,kafka,moto,dbt')
      .option(
        '--kafka-brokers <n>',
        'Kafka as a KRaft cluster of n brokers (on KAFKA_BROKERS when it names n, else 127.0.0.1:19092, 19094, ...)',
        positiveInt,
      )
      .addOption(
        new Option(
          '--redis <mode>',
          'single: one redis-server (REDIS_URL); cluster: 3 masters of a Redis Cluster (on REDIS_URL when it is redis+cluster:// naming three, else 127.0.0.1:17000-17002)',
        ).choices(['single', 'cluster']),
      )
      .option('--json', 'print the result as JSON');

  withOptions(stack.command('up'))
    .description(
      'start what is not running yet and wait until every service is healthy (idempotent)',
    )
    .action(async (options: StackCommandOptions, command: Command) => {
      const { up } = await import('../actions/stack.ts');
      await up(configFile(command), options);
    });

  withOptions(stack.command('down'))
    .description('stop the services `stack up` started; services started by others are left alone')
    .action(async (options: StackCommandOptions) => {
      const { down } = await import('../actions/stack.ts');
      await down(options);
    });

  withOptions(stack.command('status'))
    .description('show each service, its address and state')
    .action(async (options: StackCommandOptions) => {
      const { status } = await import('../actions/stack.ts');
      await status(options);
    });
}
