import type { Command } from 'commander';
import type { ServeOptions } from '../actions/serve.ts';
import { configFile } from './config-commands.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'HTTP server: asset graph page (/), Bull Board (/queues), /api/assets, /api/runs, /api/runs/:id, POST /api/runs/:id/cancel, /api/lag, /api/alerts, /metrics, /healthz; runs until SIGTERM',
    )
    .option(
      '--host <address>',
      'bind address; anything but loopback needs STRATA_API_TOKEN',
      process.env.STRATA_HOST ?? '127.0.0.1',
    )
    .option('--port <n>', 'port (0 picks a free one)', process.env.STRATA_PORT ?? '3000')
    .action(async (options: ServeOptions, command: Command) => {
      const { serve } = await import('../actions/serve.ts');
      await serve(configFile(command), options);
    });
}
