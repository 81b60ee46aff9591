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

/** `width`: the help wrap width; by default the terminal's (at most 100), 80 on a pipe. */
export function buildParser(args: string[], width?: number): Argv<GlobalOptions> {
  const y = yargs(args)
    .scriptName('whydied')
    .usage('whydied <target> [options]\n\nWhy did my background process die - or why is it about to?')
    .option('verbose', { type: 'boolean', global: true, describe: 'Check details, durations, and stack traces on errors' })
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .epilogue(EPILOGUE)
    .wrap(width ?? Math.min(100, process.stdout.columns ?? 80))
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

/**
 * What the fast path (fast.ts) needs from this parser, computed at build time by scripts/bundle.js:
 * the version, every command name and alias, and --help at the widths a pipe or a wide terminal gets.
 */
export async function cliMeta(version: string): Promise<{ version: string; commands: string[]; help: Record<string, string> }> {
  const help: Record<string, string> = {};
  for (const width of [80, 100]) help[String(width)] = `${await buildParser([], width).getHelp()}\n`;
  // yargs' command instance holds each command's name and its aliases; `$0` (the default) is no typed word.
  type Commands = { getCommands(): string[]; aliasMap: Record<string, string> };
  const inst = (buildParser([]) as unknown as { getInternalMethods(): { getCommandInstance(): Commands } }).getInternalMethods().getCommandInstance();
  const commands = new Set<string>([...inst.getCommands(), ...Object.keys(inst.aliasMap)]);
  commands.delete('$0');
  return { version, commands: [...commands], help };
}
