import type { Command } from 'commander';
import type { IngestCommandOptions } from '../actions/ingest.ts';
import { duration } from '../options.ts';
import { configFile } from './config-commands.ts';

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description(
      'land the price topic in object storage, exactly once per record; runs until SIGTERM',
    )
    .option('--group <id>', 'consumer group id (default: ingest.groupId from the config)')
    .option(
      '--session-timeout <duration>',
      'Kafka session timeout: how fast a dead member is replaced (default: ingest.sessionTimeout)',
      duration,
    )
    .action(async (options: IngestCommandOptions, command: Command) => {
      const { ingest } = await import('../actions/ingest.ts');
      await ingest(configFile(command), options);
    });
}
