/**
 * `whydied record`: the system-wide flight recorder (root). The work is in src/record/run-record.ts, loaded
 * on demand.
 */
import { outputHelp } from '../../fleet/output-table';
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';

export interface RecordArgs extends GlobalOptions {
  daemon?: boolean;
  'print-unit'?: boolean;
  'state-dir'?: string;
  'cap-mb'?: number;
  'buffer-kb'?: number;
  output?: string;
  'on-death'?: string;
  'clean-exits'?: string;
  'redact-argv'?: boolean;
}

export const recordCommand: CommandModule<GlobalOptions, RecordArgs> = {
  command: 'record',
  describe: 'Record every process exit on the machine (signal + sender, exit code) for later diagnoses (root)',
  builder: (y: Argv<GlobalOptions>): Argv<RecordArgs> =>
    y
      .option('daemon', { type: 'boolean', describe: 'Run detached (own session, log and pidfile in the state dir)' })
      .option('print-unit', { type: 'boolean', describe: 'Print a systemd unit that runs the recorder, and exit' })
      .option('state-dir', {
        type: 'string',
        requiresArg: true,
        describe: 'Where records go (default: $WHYDIED_STATE_DIR, else /var/lib/whydied)',
      })
      .epilogue(
        'Diagnoses read records from $WHYDIED_STATE_DIR (default /var/lib/whydied): point both at the same place.',
      )
      .option('cap-mb', {
        type: 'number',
        requiresArg: true,
        describe: 'Size of the records file before it rotates (default 8)',
      })
      .option('buffer-kb', { type: 'number', requiresArg: true, describe: 'Kernel ring buffer per CPU (default 8192)' })
      .option('output', {
        type: 'string',
        requiresArg: true,
        describe: `Where deaths go, comma-separated: ${outputHelp({ recorder: true })}`,
      })
      .option('on-death', {
        type: 'string',
        requiresArg: true,
        describe: 'Run this command (sh -c, fixed by you) for each death, the death as JSON on stdin',
      })
      .option('clean-exits', {
        type: 'string',
        requiresArg: true,
        describe: 'Which exit(0)s the store keeps: all, none, or N/s (default: $WHYDIED_CLEAN_EXITS, else all)',
      })
      .option('redact-argv', {
        type: 'boolean',
        describe: 'Keep argv[0] only, in every output (default: $WHYDIED_REDACT_ARGV=1)',
      }) as unknown as Argv<RecordArgs>,
  handler: async (argv) => {
    const { runRecord } = await import('../../record/run-record');
    process.exitCode = await runRecord({
      daemon: argv.daemon,
      printUnit: argv['print-unit'],
      stateDir: argv['state-dir'],
      capMb: argv['cap-mb'],
      bufferKb: argv['buffer-kb'],
      output: argv.output,
      onDeath: argv['on-death'],
      cleanExits: argv['clean-exits'],
      redactArgv: argv['redact-argv'],
    });
  },
};
