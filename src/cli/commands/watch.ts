/**
 * `whydied watch <pid...>`: stay until every pid has ended, then print the diagnosis with the observed cause
 * (signal + sender, exit code, OOM kill). The work is in src/cli/actions/watch.ts (composing src/watch), loaded on demand.
 */
import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './global';
import { MAX_TIMEOUT_S, parseTimeout } from '../options';

export interface WatchArgs extends GlobalOptions {
  pids?: string[];
  json?: boolean;
  format?: string;
  color?: boolean;
  backend?: string;
  timeout?: string;
}

export const watchCommand: CommandModule<GlobalOptions, WatchArgs> = {
  // `[pids...]`, checked by the action: `<pids...>` printed "[required] [default: []]" in --help.
  command: 'watch [pids...]',
  describe: 'Watch processes until they end, then say exactly how: signal and sender, or exit code',
  builder: (y: Argv<GlobalOptions>): Argv<WatchArgs> =>
    y
      // Strings: validated by the action so a bad pid is one line and exit 2, not a yargs coercion.
      .positional('pids', { type: 'string', default: undefined, describe: 'PIDs to watch (one or more)' })
      .option('json', { type: 'boolean', describe: 'Same as --format json' })
      .option('format', {
        type: 'string',
        requiresArg: true,
        choices: ['table', 'json', 'markdown'],
        describe: 'Output format (default: table)',
      })
      .option('color', { type: 'boolean', describe: 'Colour status words on a terminal' })
      .option('backend', {
        type: 'string',
        requiresArg: true,
        choices: ['auto', 'tracefs', 'ptrace', 'poll'],
        describe: 'tracefs (root), ptrace (strace), poll (/proc); auto picks the best available',
      })
      .option('timeout', {
        type: 'string',
        requiresArg: true,
        describe: `Stop watching after this many seconds (up to ${MAX_TIMEOUT_S}) and report what is known`,
      })
      .conflicts('json', 'format') as unknown as Argv<WatchArgs>,
  handler: async (argv) => {
    const { runWatch } = await import('../actions/run-watch');
    process.exitCode = await runWatch({
      pids: (argv.pids ?? []).filter((p) => p !== undefined && p !== null).map(String),
      json: argv.json,
      format: argv.format,
      color: argv.color,
      backend: argv.backend,
      timeoutMs: parseTimeout(argv.timeout),
      verbose: argv.verbose ?? false,
    });
  },
};
