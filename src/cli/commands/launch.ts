/**
 * `whydied launch [--name N] [--log FILE] -- CMD ARGS...`: start a command detached, with a sentinel that
 * records how it ends. `--sentinel` (hidden) is the sentinel itself, started by the launcher. The work is
 * in src/launch, loaded on demand.
 */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';

export interface LaunchArgs extends GlobalOptions {
  cmd?: string[];
  name?: string;
  log?: string;
  sentinel?: boolean;
}

export const launchCommand: CommandModule<GlobalOptions, LaunchArgs> = {
  command: 'launch [cmd..]',
  describe: 'Start CMD detached (new session, stdin /dev/null, output to a log) and record how it later dies',
  builder: (y: Argv<GlobalOptions>): Argv<LaunchArgs> =>
    y
      // A usage line replaces yargs' own, which carries the description: repeat it here.
      .usage(
        'whydied launch [--name N] [--log FILE] -- CMD ARGS...\n\nStart CMD detached (new session, stdin /dev/null, output to a log) and record how it later dies',
      )
      .positional('cmd', { type: 'string', default: undefined, describe: 'The command and its arguments (after --)' })
      .option('name', {
        type: 'string',
        requiresArg: true,
        describe: 'Name to find it by later (default: basename of CMD)',
      })
      .option('log', {
        type: 'string',
        requiresArg: true,
        describe: 'Append stdout and stderr here (default: <state dir>/logs/<name>.log)',
      })
      .option('sentinel', { type: 'boolean', hidden: true }) as unknown as Argv<LaunchArgs>,
  handler: async (argv) => {
    // Everything after `--` is the command, verbatim: taken from the raw arguments, because yargs turns
    // `0123` into 123 in `_`. Without `--`, the typed positional (strings) is used.
    const dd = process.argv.indexOf('--');
    const cmd =
      dd >= 0 ? process.argv.slice(dd + 1) : (argv.cmd ?? []).filter((c) => c !== undefined && c !== null).map(String);
    if (argv.sentinel) {
      const { runSentinel } = await import('../../launch/sentinel');
      process.exitCode = await runSentinel({ name: argv.name ?? '', log: argv.log ?? '/dev/null', argv: cmd });
      return;
    }
    const { runLaunch } = await import('../../launch/launch');
    process.exitCode = await runLaunch({ name: argv.name, log: argv.log, argv: cmd });
  },
};
