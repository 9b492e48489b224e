import type { Command } from 'commander';
import { configFile } from './config-commands.ts';

export function registerCancelCommand(program: Command): void {
  program
    .command('cancel')
    .description(
      'cancel a run: assets not started are cancelled, running ones are aborted by their workers',
    )
    .argument('<run>', 'run id (see `strata runs`)')
    .option('--json', 'print the run as JSON')
    .action(async (runId: string, options: { json?: boolean }, command: Command) => {
      const { cancel } = await import('../actions/cancel.ts');
      await cancel(configFile(command), runId, options);
    });
}
