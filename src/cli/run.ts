/**
 * Builds the parser and runs one command. Exit codes are set on process.exitCode (never
 * process.exit): output written to a pipe is flushed before node exits on its own.
 */
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { UsageError } from '../engine/errors';
import { EXIT_CODE_HELP } from '../engine/exit-code';
import { registerCommands } from './commands';
import type { GlobalOptions } from './commands/global';
import { reportError } from './errors';
import { guardOutput } from './output';
import { escapeControl } from '../render/escape';

const EPILOGUE = [
  'Targets: a PID, :PORT (the process listening on a TCP port) or a name (every match, newest first).',
  'A name that starts with a dash (a login shell) goes after --: whydied -- -bash',
  '',
  'Exit codes (with several targets the highest wins):',
  ...EXIT_CODE_HELP.map((l) => `  ${l}`),
].join('\n');

export function buildParser(args: string[]): Argv<GlobalOptions> {
  const y = yargs(args)
    .scriptName('whydied')
    .usage('whydied <target> [options]\n\nWhy did my background process die - or why is it about to?')
    .option('verbose', { type: 'boolean', global: true, describe: 'Check details, durations, and stack traces on errors' })
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .epilogue(EPILOGUE)
    .wrap(Math.min(100, process.stdout.columns ?? 80))
    .exitProcess(false)
    // Yargs' own usage errors (unknown option, bad choice, missing target) are usage errors too.
    // A handler's exception arrives here as `err` and is passed on unchanged.
    .fail((msg: string | null, err: Error | undefined) => {
      // yargs reports its own parse errors (an option missing its value) as a YError: bad input, exit 2.
      if (err && err.name === 'YError') throw new UsageError(err.message, { cause: err });
      throw err ?? new UsageError(msg ?? 'invalid command line');
    }) as Argv<GlobalOptions>;
  return registerCommands(y);
}

/**
 * `-bash` (a login shell's argv[0]) would parse as the flags -b -a -s -h and print help with exit 0. Only
 * single-letter short options exist (-h, -o), so a single dash followed by several letters before `--` is a
 * usage error that says how to name such a process.
 */
export function rejectClusteredFlags(args: readonly string[]): void {
  for (const a of args) {
    if (a === '--') return;
    if (/^-[^-\d.]./.test(a)) {
      throw new UsageError(`unknown option '${escapeControl(a)}': to look up a process named ${escapeControl(a)} (a login shell), put it after --: whydied -- ${escapeControl(a)}`);
    }
  }
}

export async function run(args: string[]): Promise<void> {
  // Decided from the raw arguments: a parse failure must still honour --verbose.
  const verbose = args.includes('--verbose');
  guardOutput();
  try {
    rejectClusteredFlags(args);
    await buildParser(args).parseAsync();
  } catch (e) {
    process.exitCode = reportError(e, verbose);
  }
}
