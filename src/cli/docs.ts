/**
 * The man page and the shell completion scripts, generated from the command definitions themselves
 * (each command module's builder run on a throwaway parser), so they cannot drift from --help.
 * scripts/postbuild.js writes dist/man/whydied.1 at build time; `whydied completion bash|zsh` prints a script.
 * The command list comes in as a parameter: the list holds the completion command, which uses this module.
 */
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

function commandDocs(commands: readonly CommandInfo[]): CommandDoc[] {
  return commands.map((c: CommandInfo) => {
    const list: readonly string[] = Array.isArray(c.command) ? c.command : [String(c.command)];
    return {
      usage: list[0],
      name: commandNames(c)[0],
      describe: typeof c.describe === 'string' ? c.describe : '',
      options: optionsOf(c, list.join(' ')),
    };
  });
}

const GLOBAL: OptionDoc[] = [
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
      "whydied diagnoses a Linux process started in the background: is it alive, what would kill it next (terminal hangup, its parent exiting, a kill of its process group, the login session ending, CI cleanup, memory pressure) and the command that makes it survive; or, when it is gone, what killed it, from the kernel log, the journal and whydied's own records. The first lines of every report give the verdict, the cause or the threat, and the fix.",
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

const flagsOf = (c: CommandDoc): string[] => [...c.options, ...GLOBAL].map((o) => `--${o.name}`);

export function bashCompletion(commands: readonly CommandInfo[]): string {
  const docs = commandDocs(commands);
  const names = docs.map((c) => c.name).filter((n) => n !== 'diagnose');
  const cases = docs.map((c) => `    ${c.name}) opts="${flagsOf(c).join(' ')}" ;;`).join('\n');
  return `# bash completion for whydied (generated from the command definitions: whydied completion bash)
_whydied() {
  local cur cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=diagnose
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${[...names, 'diagnose'].join('|')}) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [[ "$cmd" == diagnose && $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${names.join(' ')} $(ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur") )
  elif [[ "$cmd" == watch || "$cmd" == capture ]]; then
    COMPREPLY=( $(compgen -W "$(ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -F _whydied whydied
`;
}

/** zsh: _arguments specs need `[` `]` `:` escaped in descriptions. */
const zshDesc = (s: string): string => s.replace(/[[\]:\\']/g, (c) => (c === "'" ? "'\\''" : `\\${c}`));

export function zshCompletion(commands: readonly CommandInfo[]): string {
  const docs = commandDocs(commands);
  const subs = docs.filter((c) => c.name !== 'diagnose').map((c) => `'${c.name}:${zshDesc(c.describe)}'`);
  const cases = docs
    .map((c) => {
      const specs = [...c.options, ...GLOBAL].map((o) => {
        const arg = o.type === 'boolean' ? '' : o.choices.length ? `:value:(${o.choices.join(' ')})` : ':value:_files';
        return `'--${o.name}[${zshDesc(o.describe)}]${arg}'`;
      });
      return `    (${c.name})\n      _arguments -s ${specs.join(' \\\n        ')} '*:target:_pids'\n      ;;`;
    })
    .join('\n');
  return `#compdef whydied
# zsh completion for whydied (generated from the command definitions: whydied completion zsh)
_whydied() {
  local cmd=diagnose
  if (( CURRENT > 2 )) && [[ \${words[2]} != -* ]]; then
    case \${words[2]} in
      ${docs.map((c) => c.name).join('|')}) cmd=\${words[2]} ;;
    esac
  elif (( CURRENT == 2 )) && [[ \${words[2]} != -* ]]; then
    local -a subcommands
    subcommands=(${subs.join(' ')})
    _describe -t commands 'whydied command' subcommands
    _pids
    return
  fi
  case $cmd in
${cases}
  esac
}
_whydied "$@"
`;
}
