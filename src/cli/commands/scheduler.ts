import type { Command } from 'commander';
import { configFile } from './config-commands.ts';
import { positiveInt } from '../options.ts';

export function registerSchedulerCommands(program: Command): void {
  program
    .command('scheduler')
    .description(
      'fire cron schedules and start runs from upstream and freshness automation (run as many as you like; one leads)',
    )
    .action(async (_options: unknown, command: Command) => {
      const { scheduler } = await import('../actions/scheduler.ts');
      await scheduler(configFile(command));
    });

  program
    .command('plan')
    .description('what automation would run now and why, without running it')
    .option('--json', 'print the plan as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { plan } = await import('../actions/plan.ts');
      await plan(configFile(command), options);
    });

  program
    .command('dev')
    .description('scheduler, a worker, ingest, monitor and serve in one process with one log')
    .option('--host <host>', 'address to bind the web server', '127.0.0.1')
    .option('--port <port>', 'web server port', '3000')
    .option('--concurrency <n>', 'jobs the worker processes at once', positiveInt, 1)
    .action(
      async (options: { host: string; port: string; concurrency: number }, command: Command) => {
        const { dev } = await import('../actions/dev.ts');
        await dev(configFile(command), options);
      },
    );
}
