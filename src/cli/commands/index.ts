import type { Command } from 'commander';
import { registerConfigCommands } from './config-commands.ts';
import { registerIngestCommand } from './ingest.ts';
import { registerProduceCommand } from './produce.ts';
import { registerStackCommand } from './stack.ts';
import { registerMaterializeCommand } from './materialize.ts';
import { registerRunsCommand } from './runs.ts';
import { registerCancelCommand } from './cancel.ts';
import { registerStatusCommand } from './status.ts';
import { registerWorkerCommand } from './worker.ts';
import { registerMonitorCommand } from './monitor.ts';
import { registerServeCommand } from './serve.ts';
import { registerDemoCommand } from './demo.ts';
import { registerSchedulerCommands } from './scheduler.ts';

/**
 * Every subcommand registers here; each lives in its own module beside this one. A command
 * module holds only its arguments and options: its action imports the implementation from
 * ../actions/ when it runs, so `--help` or `validate` never load Kafka, BullMQ, DuckDB or AWS.
 */
export function registerCommands(program: Command): void {
  registerConfigCommands(program);
  registerStackCommand(program);
  registerProduceCommand(program);
  registerIngestCommand(program);
  registerMaterializeCommand(program);
  registerRunsCommand(program);
  registerCancelCommand(program);
  registerStatusCommand(program);
  registerWorkerCommand(program);
  registerMonitorCommand(program);
  registerServeCommand(program);
  registerSchedulerCommands(program);
  registerDemoCommand(program);
}
