/**
 * Every command, registered explicitly (no commandDir): the order here is the order in --help.
 * Command modules are thin and import nothing heavy; their handlers load actions on demand.
 */
import type { Argv, CommandModule } from 'yargs';
import { diagnoseCommand } from './diagnose';
import { captureCommand } from './capture';
import { checksCommand } from './checks';
import { watchCommand } from './watch';
import { recordCommand } from './record';
import { launchCommand } from './launch';
import { explainCommand } from './explain';
import { scanCommand } from './scan';
import { completionCommand } from './completion';
import type { GlobalOptions } from './global';

/** Every command module, the default (diagnose) first: for the completion script, the man page and error messages. */
export const COMMANDS = [diagnoseCommand, captureCommand, checksCommand, watchCommand, recordCommand, launchCommand, scanCommand, explainCommand, completionCommand] as const;

/** What the completion script, the man page and error messages read of a command module. */
export type CommandInfo = Pick<CommandModule, 'command' | 'describe'> & { builder?: unknown };

/** The words a command answers to (`diagnose`, `watch`); the default command's `$0` is left out. */
export function commandNames(c: CommandInfo): string[] {
  const list: readonly string[] = Array.isArray(c.command) ? c.command : [typeof c.command === 'string' ? c.command : ''];
  return list.map((s) => s.split(' ')[0]).filter((w) => w !== '$0' && w !== '');
}

export function registerCommands(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return (
    y
      .command(diagnoseCommand)
      .command(captureCommand)
      .command(checksCommand)
      .command(watchCommand)
      .command(recordCommand)
      .command(launchCommand)
      .command(scanCommand)
      .command(explainCommand)
      .command(completionCommand)
      // Issue 4 (watch, record, launch): src/cli/commands/{watch,record,launch}.ts each export a
      // CommandModule<GlobalOptions, ...>; register them here, e.g. `.command(watchCommand)`.
  );
}
