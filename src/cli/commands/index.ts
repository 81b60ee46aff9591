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
import type { GlobalOptions } from './global';

export function registerCommands(y: Argv<GlobalOptions>): Argv<GlobalOptions> {
  return (
    y
      .command(diagnoseCommand)
      .command(captureCommand)
      .command(checksCommand)
      .command(watchCommand)
      .command(recordCommand)
      .command(launchCommand)
      // Issue 4 (watch, record, launch): src/cli/commands/{watch,record,launch}.ts each export a
      // CommandModule<GlobalOptions, ...>; register them here, e.g. `.command(watchCommand)`.
  );
}
