/** `whydied scan [--since 1h]`: every death the kernel log, the journal and whydied's records know. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';

export interface ScanArgs extends GlobalOptions {
  since?: string;
  json?: boolean;
  color?: boolean;
  kmsg?: string;
  journal?: string;
}

export const scanCommand: CommandModule<GlobalOptions, ScanArgs> = {
  command: 'scan',
  describe: 'List every death on this host that the kernel log, the journal and whydied records know, newest first',
  builder: (y: Argv<GlobalOptions>): Argv<ScanArgs> =>
    y
      .option('since', {
        type: 'string',
        requiresArg: true,
        describe: 'Only deaths this recent: 90s, 30m, 1h, 7d, or a date',
      })
      .option('json', { type: 'boolean', describe: 'Print the list as JSON' })
      .option('color', { type: 'boolean', describe: 'Colour confidence words on a terminal' })
      .option('kmsg', {
        type: 'string',
        requiresArg: true,
        describe: 'Read the kernel log from FILE saved on another machine (- for stdin)',
      })
      .option('journal', {
        type: 'string',
        requiresArg: true,
        describe: 'Read the journal from FILE saved on another machine (journalctl -o json)',
      }) as unknown as Argv<ScanArgs>,
  handler: async (argv) => {
    const { runScan } = await import('../actions/scan');
    process.exitCode = await runScan({
      since: argv.since,
      json: argv.json ?? false,
      color: argv.color,
      saved: { kmsg: argv.kmsg, journal: argv.journal },
    });
  },
};
