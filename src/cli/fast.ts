/**
 * The fast path: the command lines almost everyone types (`whydied 1234`, `whydied nginx --json`,
 * `--help`, `--version`) answered without loading yargs (~25 ms of a ~60 ms run). Anything else — other
 * commands, repeated or unknown options, `--`, a target that looks like an option — returns false and
 * goes through yargs, so new commands and options work without touching this file; `fast.test.ts`
 * checks that both paths print the same.
 *
 * The command names, help texts and version come from the real yargs parser at build time
 * (scripts/bundle.js), injected into the bundle as __WHYDIED_CLI__. Without them (the tsc output in
 * dist/src), every command line takes the yargs path.
 */
import { reportError } from './errors';
import { stdoutInfo, writeStderr, writeStdout } from './stdout';
import { helpWidth, wrapHelp } from './help-wrap';

/** What the build learnt from the yargs parser. */
export interface CliMeta {
  version: string;
  /** Every command name and alias yargs knows: such a first word is never a diagnose target. */
  commands: string[];
  /** `--help`: `raw` (unwrapped, for help-wrap.ts at run time) and `80` (wrapped at a pipe's width). */
  help: Record<string, string>;
}

declare const __WHYDIED_CLI__: CliMeta | undefined;

function builtMeta(): CliMeta | null {
  return typeof __WHYDIED_CLI__ === 'undefined' ? null : __WHYDIED_CLI__;
}

export interface FastDiagnose {
  target: string;
  json?: boolean;
  format?: string;
  color?: boolean;
  verbose: boolean;
  all?: boolean;
}

export type FastCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'diagnose'; req: FastDiagnose };

const FLAGS: Record<string, (r: FastDiagnose) => void> = {
  '--json': (r) => (r.json = true),
  '--verbose': (r) => (r.verbose = true),
  '--color': (r) => (r.color = true),
  '--no-color': (r) => (r.color = false),
  '--all': (r) => (r.all = true),
};

/** The fast reading of `args`, or null when yargs must decide (anything unusual, including errors). */
export function parseFast(args: readonly string[], commands: readonly string[]): FastCommand | null {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) return { kind: 'help' };
  if (args.length === 1 && args[0] === '--version') return { kind: 'version' };
  const req: FastDiagnose = { target: '', verbose: false };
  const seen = new Set<string>();
  let target: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) {
      if (target !== null) return null;
      target = a;
      continue;
    }
    let name = a;
    let value: string | undefined;
    if (a.startsWith('--format=')) {
      name = '--format';
      value = a.slice('--format='.length);
    } else if (a === '--format') {
      value = args[++i];
      if (value === undefined || value.startsWith('-')) return null;
    } else if (!(a in FLAGS)) {
      return null;
    }
    // A repeat (or --color with --no-color) is yargs' business: it has rules for those.
    const key = name === '--no-color' ? '--color' : name;
    if (seen.has(key)) return null;
    seen.add(key);
    if (name === '--format') req.format = value;
    else FLAGS[name](req);
  }
  // yargs rejects --json with --format (conflicts) in its own words.
  if (target === null || target === '' || commands.includes(target) || (req.json && req.format !== undefined))
    return null;
  req.target = target;
  return { kind: 'diagnose', req };
}

/** Runs `args` on the fast path when it can; false means the caller must run yargs. */
export function runFast(args: readonly string[]): boolean {
  const meta = builtMeta();
  if (!meta) return false;
  const cmd = parseFast(args, meta.commands);
  if (!cmd) return false;
  if (cmd.kind === 'version') {
    writeStdout(`${meta.version}\n`);
    return true;
  }
  if (cmd.kind === 'help') {
    const width = helpWidth(stdoutInfo(), process.env);
    const raw = meta.help.raw;
    if (raw === undefined) return false;
    writeStdout(width === 80 && meta.help['80'] ? meta.help['80'] : `${wrapHelp(raw, width)}\n`);
    return true;
  }
  const req = cmd.req;
  void (async () => {
    try {
      const { runDiagnose } = await import('./actions/diagnose');
      process.exitCode = await runDiagnose({ ...req, checkModules: [] });
    } catch (e) {
      process.exitCode = reportError(e, req.verbose, writeStderr);
    }
  })();
  return true;
}
