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

const EPILOGUE = [
  'Targets: a PID, :PORT (the process listening on a TCP port) or a name (every match, newest first).',
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
      throw err ?? new UsageError(msg ?? 'invalid command line');
    }) as Argv<GlobalOptions>;
  return registerCommands(y);
}

export async function run(args: string[]): Promise<void> {
  // Decided from the raw arguments: a parse failure must still honour --verbose.
  const verbose = args.includes('--verbose');
  try {
    await buildParser(args).parseAsync();
  } catch (e) {
    process.exitCode = reportError(e, verbose);
  }
}
