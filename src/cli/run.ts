/**
 * Builds the parser and runs one command. Exit codes are set on process.exitCode (never
 * process.exit): output written to a pipe is flushed before node exits on its own.
 */
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { UsageError } from '../util/errors';
import { EXIT_CODE_HELP } from '../engine/exit-code';
import { COMMANDS, commandNames, registerCommands, type CommandInfo } from './commands';
import type { GlobalOptions } from './commands/global';
import { reportError } from './errors';
import { guardOutput } from './output';
import { escapeControl } from '../util/escape';
import { HELP_RAW_WIDTH, helpWidth, wrapHelp } from './help-wrap';
import { writeStdout } from './stdout';

const EPILOGUE = [
  'Targets: a PID, :PORT (the process listening on a TCP port) or a name (every match, newest first).',
  'A name that starts with a dash (a login shell) goes after --: whydied -- -bash',
  '',
  'Exit codes (with several targets the highest wins):',
  ...EXIT_CODE_HELP.map((l) => `  ${l}`),
].join('\n');

const MISSING: Readonly<Record<string, string>> = {
  watch: 'watch needs at least one pid: whydied watch PID...',
  capture: 'capture needs a pid: whydied capture PID -o FILE',
  explain: 'explain needs a value: whydied explain 137 | SIGKILL | 0x4000',
};

/** Option names (and aliases) the command named in `args` accepts: its builder run on a throwaway parser. */
function knownOptions(args: readonly string[]): Set<string> {
  const words = args.filter((a) => !a.startsWith('-'));
  const mod: CommandInfo =
    COMMANDS.find((c: CommandInfo) => words[0] !== undefined && commandNames(c).includes(words[0])) ?? COMMANDS[0];
  const y = yargs([]).option('verbose', { type: 'boolean' }).help().alias('help', 'h').version() as Argv<GlobalOptions>;
  if (typeof mod.builder === 'function') (mod.builder as (y: Argv<GlobalOptions>) => unknown)(y);
  const o = (
    y as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }
  ).getOptions();
  return new Set([...Object.keys(o.key), ...Object.values(o.alias).flat()]);
}

/**
 * yargs checks the positional count before unknown options, so `whydied --bogus 1` (1 taken as --bogus's
 * value) said "Not enough non-option arguments". Name the unknown option, or what is missing, instead.
 */
function explainFailure(msg: string, args: readonly string[], known: ReadonlySet<string>): string {
  const unknownArgs = /^Unknown arguments?: (.*)$/.exec(msg);
  if (unknownArgs) {
    // yargs names an unknown `--flag` without its dashes: say which were options, as typed.
    const names = unknownArgs[1].split(', ');
    const asOption = (n: string): string | null =>
      args.find((a) => a === `--${n}` || a.startsWith(`--${n}=`) || a === `-${n}`) ?? null;
    const options = names
      .map(asOption)
      .filter((a): a is string => a !== null)
      .map((a) => a.split('=')[0]);
    if (options.length > 0) return `unknown option ${options.join(', ')} (whydied --help lists them)`;
    return `unexpected argument ${names.join(', ')} (whydied --help)`;
  }
  if (!/^Not enough non-option arguments/.test(msg)) return msg;
  const dd = args.indexOf('--');
  const flags = (dd >= 0 ? args.slice(0, dd) : args).filter((a) => /^--?[^-\d]/.test(a));
  const unknown = flags.map((a) => a.replace(/^--?(no-)?/, '').split('=')[0]).filter((n) => !known.has(n));
  if (unknown.length > 0)
    return `unknown option ${unknown.map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', ')} (whydied --help lists them)`;
  const cmd = args.find((a) => !a.startsWith('-'));
  return (cmd && MISSING[cmd]) ?? 'missing target: whydied PID | :PORT | NAME (whydied --help)';
}

/** yargs renders help unwrapped (help-wrap.ts wraps it at word boundaries). */
function buildParser(args: string[]): Argv<GlobalOptions> {
  const y = yargs(args)
    .scriptName('whydied')
    .usage('whydied <target> [options]\n\nWhy did my background process die - or why is it about to?')
    .option('verbose', {
      type: 'boolean',
      global: true,
      describe: 'Check details, durations, and stack traces on errors',
    })
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .epilogue(EPILOGUE)
    .wrap(HELP_RAW_WIDTH)
    .exitProcess(false)
    // Yargs' own usage errors (unknown option, bad choice, missing target) are usage errors too.
    // A handler's exception arrives here as `err` and is passed on unchanged.
    .fail((msg: string | null, err: Error | undefined) => {
      // yargs reports its own parse errors (an option missing its value) as a YError: bad input, exit 2.
      if (err && err.name === 'YError')
        throw new UsageError(explainFailure(err.message, args, knownOptions(args)), { cause: err });
      if (err) throw err;
      throw new UsageError(explainFailure(msg ?? 'invalid command line', args, knownOptions(args)));
    }) as Argv<GlobalOptions>;
  return registerCommands(y);
}

/**
 * `-bash` (a login shell's argv[0]) would parse as the flags -b -a -s -h and print help with exit 0. Only
 * single-letter short options exist (-h, -o), so a single dash followed by several letters before `--` is a
 * usage error that says how to name such a process.
 */
function rejectClusteredFlags(args: readonly string[]): void {
  for (const a of args) {
    if (a === '--') return;
    if (/^-[^-\d.]./.test(a)) {
      throw new UsageError(
        `unknown option '${escapeControl(a)}': to look up a process named ${escapeControl(a)} (a login shell), put it after --: whydied -- ${escapeControl(a)}`,
      );
    }
  }
}

/**
 * yargs prints --help (and --version) with console.log, and nothing of whydied uses console.log: while it
 * parses, what it prints is wrapped for this output and written like every other output (stdout.ts).
 */
async function withWrappedHelp<T>(parse: () => Promise<T>): Promise<T> {
  const log = console.log;
  console.log = (...parts: unknown[]): void => {
    writeStdout(`${wrapHelp(parts.map(String).join(' '), helpWidth(process.stdout, process.env))}\n`);
  };
  try {
    return await parse();
  } finally {
    console.log = log;
  }
}

export async function run(args: string[]): Promise<void> {
  // Decided from the raw arguments: a parse failure must still honour --verbose.
  const verbose = args.includes('--verbose');
  guardOutput();
  try {
    rejectClusteredFlags(args);
    await withWrappedHelp(() => buildParser(args).parseAsync());
  } catch (e) {
    process.exitCode = reportError(e, verbose);
  }
}

/**
 * What the fast path (fast.ts) needs from this parser, computed at build time by scripts/bundle.js:
 * the version, every command name and alias, and --help: unwrapped (`raw`, wrapped at run time for the
 * output's width) and at 80 columns (a pipe's width, answered by the loader without the bundle).
 */
export async function cliMeta(
  version: string,
): Promise<{ version: string; commands: string[]; help: Record<string, string> }> {
  const help: Record<string, string> = {};
  const raw = await buildParser([]).getHelp();
  help.raw = raw;
  help['80'] = `${wrapHelp(raw, 80)}\n`;
  // yargs' command instance holds each command's name and its aliases; `$0` (the default) is no typed word.
  type Commands = { getCommands(): string[]; aliasMap: Record<string, string> };
  const inst = (buildParser([]) as unknown as { getInternalMethods(): { getCommandInstance(): Commands } })
    .getInternalMethods()
    .getCommandInstance();
  const commands = new Set<string>([...inst.getCommands(), ...Object.keys(inst.aliasMap)]);
  commands.delete('$0');
  return { version, commands: [...commands], help };
}
