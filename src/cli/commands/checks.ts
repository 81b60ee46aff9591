/**
 * `whydied checks`: the checks in run order, with ids and descriptions; `--rules`: the survival rules (plugins
 * included); `--mechanisms`: the mechanism catalogue (docs/mechanisms.md).
 */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';
import { toList } from '../options';

export interface ChecksArgs extends GlobalOptions {
  check?: string | string[];
  json?: boolean;
  rules?: boolean;
  mechanisms?: boolean;
}

export const checksCommand: CommandModule<GlobalOptions, ChecksArgs> = {
  command: 'checks',
  describe: 'List the checks in run order, or with --rules the survival rules (with --check: plugins too)',
  builder: (y: Argv<GlobalOptions>): Argv<ChecksArgs> =>
    y
      .option('check', { type: 'string', requiresArg: true, describe: 'Load checks from this module (repeatable)' })
      .option('json', { type: 'boolean', describe: 'Print the check metadata as JSON' })
      .option('rules', {
        type: 'boolean',
        describe: 'List the survival rules (markdown; JSON with --json), plugin rules first',
      })
      .option('mechanisms', {
        type: 'boolean',
        describe: 'List the mechanism catalogue: every way a process is ended (markdown; JSON with --json)',
      }) as unknown as Argv<ChecksArgs>,
  handler: async (argv) => {
    const { runListChecks, runListMechanisms, runListRules } = await import('../actions/checks');
    const req = { checkModules: toList(argv.check) ?? [], json: argv.json ?? false };
    process.exitCode = argv.mechanisms
      ? await runListMechanisms(req)
      : argv.rules
        ? await runListRules(req)
        : await runListChecks(req);
  },
};
