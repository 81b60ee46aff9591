/**
 * `whydied run [--] CMD ARGS...`: run CMD transparently (stdio and exit status pass through); when it fails
 * or is killed, say how on stderr and record it. The work is in src/run, loaded on demand.
 */
import { outputHelp } from '../../fleet/output-table';
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';

export interface RunArgs extends GlobalOptions {
  cmd?: string[];
  output?: string;
  'on-death'?: string;
}

export const runCommand: CommandModule<GlobalOptions, RunArgs> = {
  command: 'run [cmd..]',
  describe:
    'Run CMD transparently (stdio and exit status pass through); if it fails or is killed, say how and record it',
  builder: (y: Argv<GlobalOptions>): Argv<RunArgs> =>
    y
      .usage(
        'whydied run [--output LIST] [--on-death HOOK] -- CMD ARGS...\n\nRun CMD transparently (stdio and exit status pass through, 128+N for a signal); if it fails or is killed, say how on stderr and record it',
      )
      .positional('cmd', { type: 'string', default: undefined, describe: 'The command and its arguments (after --)' })
      .option('output', {
        type: 'string',
        requiresArg: true,
        describe: `Where a failure is recorded, comma-separated: ${outputHelp({ recorder: false })}`,
      })
      .option('on-death', {
        type: 'string',
        requiresArg: true,
        describe: 'Run this program (no shell) with the death as JSON on stdin',
      }) as unknown as Argv<RunArgs>,
  handler: async (argv) => {
    // Everything after `--` is the command, verbatim (yargs would turn `0123` into 123).
    const dd = process.argv.indexOf('--');
    const cmd =
      dd >= 0 ? process.argv.slice(dd + 1) : (argv.cmd ?? []).filter((c) => c !== undefined && c !== null).map(String);
    const { runWithOutputs } = await import('../actions/run-with-outputs');
    process.exitCode = await runWithOutputs({ argv: cmd, output: argv.output, onDeath: argv['on-death'] });
  },
};
