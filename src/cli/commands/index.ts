/**
 * Every command, registered explicitly (no commandDir): the order here is the order in --help.
 * Command modules are thin and import nothing heavy; their handlers load actions on demand.
 */
import type { Argv } from 'yargs';
import { diagnoseCommand } from './diagnose';
import { captureCommand } from './capture';
import { checksCommand } from './checks';
import { watchCommand } from './watch';
import { recordCommand } from './record';
import { launchCommand } from './launch';
import { runCommand } from './run';
import { explainCommand } from './explain';
import { scanCommand } from './scan';
import { makeCompletionCommand } from './completion';
import type { GlobalOptions } from './global';

const completionCommand = makeCompletionCommand(() => COMMANDS);

/** Every command module, the default (diagnose) first: for the completion script, the man page and error messages. */
export const COMMANDS = [
  diagnoseCommand,
  captureCommand,
  checksCommand,
  watchCommand,
  recordCommand,
  launchCommand,
  runCommand,
  scanCommand,
  explainCommand,
  completionCommand,
] as const;

export { commandNames, type CommandInfo } from './info';

export function registerCommands(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return y
    .command(diagnoseCommand)
    .command(captureCommand)
    .command(checksCommand)
    .command(watchCommand)
    .command(recordCommand)
    .command(launchCommand)
    .command(runCommand)
    .command(scanCommand)
    .command(explainCommand)
    .command(completionCommand);
}
