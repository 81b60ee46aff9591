/**
 * The man page and the shell completion scripts, generated from the command definitions themselves
 * (each command module's builder run on a throwaway parser), so they cannot drift from --help.
 * scripts/postbuild.js writes dist/man/whydied.1 at build time; `whydied completion bash|zsh|fish` prints a
 * script (completion-scripts.ts).
 * The command list comes in as a parameter: the list holds the completion command, which uses this module.
 */
import { EVENT_INFO } from '../engine/events';
import { joinWords } from '../engine/words';
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { commandNames, type CommandInfo } from './commands/info';
import type { GlobalOptions } from './commands/global';
import { EXIT_CODE_HELP } from '../engine/exit-code';

export interface OptionDoc {
  name: string;
  describe: string;
  type: 'boolean' | 'string' | 'number' | 'array' | 'other';
  choices: string[];
}

export interface CommandDoc {
  /** `diagnose <target>`, `watch [pids...]`. */
  usage: string;
  name: string;
  describe: string;
  options: OptionDoc[];
  /** The words a positional takes, when yargs lists them (`completion [shell]`). */
  positionalChoices: string[];
}

interface Internals {
  getOptions(): {
    key: Record<string, unknown>;
    boolean: string[];
    string: string[];
    number: string[];
    array: string[];
    choices: Record<string, string[]>;
    hiddenOptions: string[];
  };
  getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } };
}

function optionsOf(mod: CommandInfo, usage: string): OptionDoc[] {
  // Positionals are registered as options too; the usage names them (`<target>`, `[pids...]`).
  const positional = new Set([...usage.matchAll(/[<[]([a-z-]+)(?:\.\.\.?)?[>\]]/g)].map((m) => m[1]));
  const y = yargs([]) as unknown as Argv<GlobalOptions>;
  if (typeof mod.builder === 'function') (mod.builder as (y: Argv<GlobalOptions>) => unknown)(y);
  const i = y as unknown as Internals;
  const o = i.getOptions();
  const desc = i.getInternalMethods().getUsageInstance().getDescriptions();
  return Object.keys(o.key)
    .filter(
      (k) =>
        !positional.has(k) &&
        !o.hiddenOptions.includes(k) &&
        !['help', 'version', '$0', '_'].includes(k) &&
        desc[k] !== undefined &&
        !/[A-Z]/.test(k),
    )
    .map((k) => ({
      name: k,
      describe: desc[k] ?? '',
      type: o.boolean.includes(k)
        ? 'boolean'
        : o.array.includes(k)
          ? 'array'
          : o.number.includes(k)
            ? 'number'
            : o.string.includes(k)
              ? 'string'
              : 'other',
      choices: o.choices[k] ?? [],
    }));
}

/** The words a command's positionals take, when yargs lists them (`completion [shell]`). */
function positionalChoicesOf(mod: CommandInfo, usage: string): string[] {
  const positional = [...usage.matchAll(/[<[]([a-z-]+)(?:\.\.\.?)?[>\]]/g)].map((m) => m[1]);
  const y = yargs([]) as unknown as Argv<GlobalOptions>;
  if (typeof mod.builder === 'function') (mod.builder as (y: Argv<GlobalOptions>) => unknown)(y);
  const o = (y as unknown as Internals).getOptions();
  return positional.flatMap((k) => o.choices[k] ?? []);
}

export function commandDocs(commands: readonly CommandInfo[]): CommandDoc[] {
  return commands.map((c: CommandInfo) => {
    const list: readonly string[] = Array.isArray(c.command) ? c.command : [String(c.command)];
    return {
      usage: list[0],
      name: commandNames(c)[0],
      describe: typeof c.describe === 'string' ? c.describe : '',
      options: optionsOf(c, list.join(' ')),
      positionalChoices: positionalChoicesOf(c, list.join(' ')),
    };
  });
}

export const GLOBAL: OptionDoc[] = [
  {
    name: 'verbose',
    describe: 'Every check, details, durations, and stack traces on errors',
    type: 'boolean',
    choices: [],
  },
  { name: 'help', describe: 'Show help', type: 'boolean', choices: [] },
  { name: 'version', describe: 'Show the version', type: 'boolean', choices: [] },
];

/** roff: a leading dot or quote starts a request, and backslashes are escapes. */
const roff = (s: string): string =>
  s
    .replace(/\\/g, '\\e')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/-/g, '\\-');

export function manPage(commands: readonly CommandInfo[], version: string, date: string): string {
  const out: string[] = [];
  out.push(`.TH WHYDIED 1 "${date}" "whydied ${version}" "User Commands"`);
  out.push('.SH NAME', 'whydied \\- why did my background process die, or why is it about to?');
  out.push('.SH SYNOPSIS');
  for (const c of commandDocs(commands))
    out.push(`.B whydied ${roff(c.usage.replace(/^diagnose /, c.name === 'diagnose' ? '[diagnose] ' : ''))}`, '.br');
  out.push('.SH DESCRIPTION');
  out.push(
    roff(
      `whydied diagnoses a Linux process started in the background: is it alive, what would kill it next (${joinWords(EVENT_INFO.map((e) => e.words))}) and the command that makes it survive; or, when it is gone, what killed it, from the kernel log, the journal and whydied's own records. The first lines of every report give the verdict, the cause or the threat, and the fix.`,
    ),
  );
  out.push('.SH COMMANDS');
  for (const c of commandDocs(commands)) {
    out.push(`.SS ${roff(`whydied ${c.usage}`)}`, roff(c.describe));
    for (const o of c.options)
      out.push(
        '.TP',
        `.B \\-\\-${roff(o.name)}${o.type === 'string' || o.type === 'number' ? ' \\fIVALUE\\fR' : ''}`,
        roff(o.describe + (o.choices.length ? ` (${o.choices.join(', ')})` : '')),
      );
  }
  out.push('.SH GLOBAL OPTIONS');
  for (const o of GLOBAL) out.push('.TP', `.B \\-\\-${o.name}`, roff(o.describe));
  out.push('.SH EXIT STATUS', '.nf', ...EXIT_CODE_HELP.map(roff), '.fi');
  out.push(
    '.SH ENVIRONMENT',
    '.TP',
    '.B WHYDIED_STATE_DIR',
    'Where whydied watch, launch and record keep their records (default /var/lib/whydied for root).',
    '.TP',
    '.B NO_COLOR',
    'Any non-empty value turns colour off.',
    '.TP',
    '.B COLUMNS',
    'Output width when stdout is not a terminal.',
  );
  out.push(
    '.SH EXAMPLES',
    '.nf',
    'whydied 4242',
    'whydied :8080',
    'whydied myservice \\-\\-all',
    'whydied scan \\-\\-since 1h',
    'whydied 4242 \\-\\-kmsg dmesg.txt',
    'whydied explain 137',
    'whydied watch 4242',
    '.fi',
  );
  out.push('.SH SEE ALSO', 'dmesg(1), journalctl(1), setsid(1), nohup(1), signal(7), proc(5)');
  return out.join('\n') + '\n';
}
