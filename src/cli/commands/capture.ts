/** `whydied capture <pid> [-o file]`: record everything a diagnosis reads into a replayable bundle. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';
import { toList } from '../options';

export interface CaptureArgs extends GlobalOptions {
  pid: string;
  output?: string;
  check?: string | string[];
}

export const captureCommand: CommandModule<GlobalOptions, CaptureArgs> = {
  command: 'capture <pid>',
  describe: 'Write a bundle of the raw facts about a process (replay with --from); never environment values',
  builder: (y: Argv<GlobalOptions>): Argv<CaptureArgs> =>
    y
      .positional('pid', { type: 'string', demandOption: true, describe: 'PID to capture' })
      .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'Bundle file (default: stdout)' })
      .option('check', {
        type: 'string',
        requiresArg: true,
        describe: 'Also run these check modules so their reads are captured',
      }) as unknown as Argv<CaptureArgs>,
  handler: async (argv) => {
    const { runCapture } = await import('../actions/capture');
    process.exitCode = await runCapture({
      pid: argv.pid,
      output: argv.output,
      checkModules: toList(argv.check) ?? [],
      verbose: argv.verbose ?? false,
    });
  },
};
