import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.ts';
import { exitCodeFor, reportError } from './exit.ts';

const program = new Command()
  .name('strata')
  .description('A scheduled job runner with a Dagster-style asset graph')
  .option('-c, --config <file>', 'pipeline config file', 'config/pipeline.yaml')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // commander already printed the problem; help and version are not failures
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    reportError(error);
    process.exitCode = exitCodeFor(error);
  }
}
