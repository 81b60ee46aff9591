/** `whydied scan [--since 1h]`: every death the kernel log, the journal and whydied's records know. */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';

export interface ScanArgs extends GlobalOptions {
  since?: string;
  json?: boolean;
  color?: boolean;
  kmsg?: string;
  journal?: string;
  deaths?: string;
  host?: string;
  service?: string;
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
      })
      .option('deaths', {
        type: 'string',
        requiresArg: true,
        describe:
          'Summarize whydied.death/1 lines gathered from many hosts (FILE, - for stdin) by service, host and cause',
      })
      .option('host', { type: 'string', requiresArg: true, describe: 'With --deaths: only this host' })
      .option('service', {
        type: 'string',
        requiresArg: true,
        describe: 'With --deaths: only this service',
      }) as unknown as Argv<ScanArgs>,
  handler: async (argv) => {
    if (argv.deaths !== undefined || argv.host !== undefined || argv.service !== undefined) {
      const { runFleetScan } = await import('../actions/scan-deaths');
      process.exitCode = await runFleetScan(argv);
      return;
    }
    const { runScan } = await import('../actions/scan');
    process.exitCode = await runScan({
      since: argv.since,
      json: argv.json ?? false,
      color: argv.color,
      saved: { kmsg: argv.kmsg, journal: argv.journal },
    });
  },
};
