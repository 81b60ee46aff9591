/** `whydied checks`: the checks in run order, with ids and descriptions (plugins included). */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';
import { toList } from '../options';

export interface ChecksArgs extends GlobalOptions {
  check?: string | string[];
  json?: boolean;
}

export const checksCommand: CommandModule<GlobalOptions, ChecksArgs> = {
  command: 'checks',
  describe: 'List the checks in run order (with --check: plugins too)',
  builder: (y: Argv<GlobalOptions>): Argv<ChecksArgs> =>
    y
      .option('check', { type: 'string', requiresArg: true, describe: 'Load checks from this module (repeatable)' })
      .option('json', { type: 'boolean', describe: 'Print the check metadata as JSON' }) as unknown as Argv<ChecksArgs>,
  handler: async (argv) => {
    const { runListChecks } = await import('../actions/checks');
    process.exitCode = await runListChecks({ checkModules: toList(argv.check) ?? [], json: argv.json ?? false });
  },
};
