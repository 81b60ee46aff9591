/**
 * `whydied <target>` / `whydied diagnose <target>`. The handler only parses; the work happens in
 * actions/diagnose.ts, loaded on demand so `--help` never pays for the engine.
 */
import type { Argv, CommandModule } from 'yargs';
import { onlyAndSkip, splitIds, toList } from '../options';
import type { GlobalOptions } from './global';
import { UsageError } from '../../util/errors';

export interface DiagnoseArgs extends GlobalOptions {
  target: string;
  json?: boolean;
  format?: string;
  color?: boolean;
  only?: string | string[];
  skip?: string | string[];
  check?: string | string[];
  from?: string;
  all?: boolean;
  kmsg?: string;
  journal?: string;
}

/**
 * The target: the positional, or the one word after `--` (yargs leaves `whydied -- -bash` in `_`): a login
 * shell's argv[0] starts with a dash and cannot be typed as a positional.
 */
function targetOf(argv: { target?: string; _: Array<string | number> }): string {
  const rest = argv._.map(String);
  if (rest[0] === 'diagnose') rest.shift();
  const all = [...(argv.target !== undefined ? [String(argv.target)] : []), ...rest];
  if (all.length === 0) throw new UsageError('a target is needed: a PID, :PORT or a process name (whydied --help)');
  if (all.length > 1) throw new UsageError(`one target at a time, not ${all.length}`);
  return all[0];
}

export const diagnoseCommand: CommandModule<GlobalOptions, DiagnoseArgs> = {
  command: ['diagnose [target]', '$0 [target]'],
  describe: 'Diagnose a process: PID, :PORT (listening TCP port) or a name (comm or argv[0])',
  builder: (y: Argv<GlobalOptions>): Argv<DiagnoseArgs> =>
    y
      // A string, never a number: `:8080` and names are targets too, and `0123` must stay as typed.
      .positional('target', {
        type: 'string',
        describe: 'PID, :PORT or process name (after -- when it starts with a dash: whydied -- -bash)',
      })
      // Repeatable options are plain strings (yargs collects repeats into an array): `array: true`
      // would be greedy and swallow the target in `--check x.js 1234`.
      .option('json', { type: 'boolean', describe: 'Same as --format json' })
      .option('format', {
        type: 'string',
        requiresArg: true,
        describe: 'Output format: table (default), json or markdown',
      })
      .option('color', {
        type: 'boolean',
        describe: 'Colour status words on a terminal (--no-color, NO_COLOR turn it off)',
      })
      .option('only', {
        type: 'string',
        requiresArg: true,
        describe: 'Run only these check ids (comma-separated, repeatable)',
      })
      .option('skip', {
        type: 'string',
        requiresArg: true,
        describe: 'Skip these check ids (comma-separated, repeatable)',
      })
      .option('check', { type: 'string', requiresArg: true, describe: 'Load checks from this module (repeatable)' })
      .option('kmsg', {
        type: 'string',
        requiresArg: true,
        describe:
          'Read the kernel log from FILE (- for stdin) saved on another machine: dmesg, dmesg -x/-T, journalctl -k (text or -o json)',
      })
      .option('journal', {
        type: 'string',
        requiresArg: true,
        describe: 'Read the journal from FILE saved on another machine (journalctl -o json)',
      })
      .option('all', {
        type: 'boolean',
        describe:
          'Several matches: diagnose every one and print each full report (default: the newest 10 diagnosed, the newest in full), and by name every recorded death (default: the newest 10)',
      })
      .option('from', {
        type: 'string',
        requiresArg: true,
        describe: 'Replay a bundle written by `whydied capture` instead of reading the live system',
      })
      .conflicts('json', 'format') as unknown as Argv<DiagnoseArgs>,
  handler: async (argv) => {
    const target = targetOf(argv);
    const { runDiagnose } = await import('../actions/diagnose');
    process.exitCode = await runDiagnose({
      target,
      json: argv.json,
      format: argv.format,
      color: argv.color,
      ...onlyAndSkip(splitIds(toList(argv.only)), splitIds(toList(argv.skip), 'skip')),
      checkModules: toList(argv.check) ?? [],
      from: argv.from,
      all: argv.all ?? false,
      saved: { kmsg: argv.kmsg, journal: argv.journal },
      verbose: argv.verbose ?? false,
    });
  },
};
