import type { Command } from 'commander';
import { registerConfigCommands } from './config-commands.ts';
import { registerStackCommand } from './stack.ts';

/** Every subcommand registers here; each lives in its own module beside this one. */
export function registerCommands(program: Command): void {
  registerConfigCommands(program);
  registerStackCommand(program);
}
