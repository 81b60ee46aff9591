/**
 * `whydied completion bash|zsh|fish`: completion scripts generated from the command definitions
 * (docs.ts's commandDocs), so they cannot drift from --help. What each word completes to is one table
 * (VALUES below): an option's value is a fixed list (yargs choices, --format), check ids (--only/--skip,
 * comma-separated), a file, or free text (nothing offered). The first word is a command; PIDs are offered
 * only once a digit is typed (a host has thousands). Each script is driven in its real shell on a pty by
 * test/cli/completion.test.ts.
 */
import { OUTPUTS } from '../fleet/output-table';
import { commandDocs, GLOBAL, type CommandDoc, type OptionDoc } from './docs';
import type { CommandInfo } from './commands/info';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What an option's value completes to. */
type Values = { words: string[]; list?: boolean } | 'files' | 'free';

/** The formats the renderers know (src/render/index.ts): diagnose checks them itself, so yargs lists none. */
const FORMATS = ['table', 'json', 'markdown'];
/** record/run --output: the output kinds (src/fleet/outputs.ts), a comma-separated list. */
const OUTPUT_KINDS = OUTPUTS.flatMap((d) => d.usage.split(',')).map((u) =>
  u.replace(/\[=.*$|=.*$/, (m) => (m.startsWith('[') ? '' : '=')),
);

/** Options that may come more than once (their help says "repeatable"); any other comes once. */
const REPEATABLE = ['only', 'skip', 'check'];

/** Per option name, or `command.option` where one command means something else by it. */
function valuesOf(cmd: string, o: OptionDoc, checkIds: readonly string[]): Values | null {
  if (o.type === 'boolean') return null;
  if (o.choices.length) return { words: o.choices };
  const table: Record<string, Values> = {
    format: { words: FORMATS },
    only: { words: [...checkIds], list: true },
    skip: { words: [...checkIds], list: true },
    'record.output': { words: OUTPUT_KINDS, list: true },
    'run.output': { words: OUTPUT_KINDS, list: true },
    since: 'free',
    timeout: 'free',
    'cap-mb': 'free',
    'buffer-kb': 'free',
    name: 'free',
    'on-death': 'free',
  };
  return table[`${cmd}.${o.name}`] ?? table[o.name] ?? 'files';
}

/** What a command's positional words are: PIDs (typed digits), fixed words, or files. */
function positionalKind(c: CommandDoc): 'pids' | 'words' | 'files' | 'none' {
  if (c.positionalChoices.length) return 'words';
  if (['diagnose', 'watch', 'capture'].includes(c.name)) return 'pids';
  if (['checks', 'record', 'scan', 'explain'].includes(c.name)) return 'none';
  return 'files';
}

const allOptions = (c: CommandDoc): OptionDoc[] => [...c.options, ...GLOBAL];
/** Check ids and choices are plain words ([a-z0-9-]); anything else is left out rather than quoted. */
const plain = (words: readonly string[]): string[] => words.filter((w) => /^[A-Za-z0-9_.=-]+$/.test(w));

export function completionScript(shell: Shell, commands: readonly CommandInfo[], checkIds: readonly string[]): string {
  const docs = commandDocs(commands);
  if (shell === 'zsh') return zsh(docs, checkIds);
  if (shell === 'fish') return fish(docs, checkIds);
  return bash(docs, checkIds);
}

function bash(docs: CommandDoc[], checkIds: readonly string[]): string {
  const names = docs.map((c) => c.name);
  const opts = docs.map(
    (c) =>
      `    ${c.name}) opts="${allOptions(c)
        .map((o) => `--${o.name}`)
        .join(' ')}" ;;`,
  );
  // The value after an option, per command (the same name may differ: capture --output is a file).
  const valueCases = docs.flatMap((c) =>
    allOptions(c).flatMap((o) => {
      const v = valuesOf(c.name, o, checkIds);
      if (v === null) return [];
      const body =
        v === 'files'
          ? `COMPREPLY=( $(compgen -f -- "$cur") )`
          : v === 'free'
            ? 'COMPREPLY=()'
            : v.list
              ? `_whydied_list "${plain(v.words).join(' ')}"`
              : `COMPREPLY=( $(compgen -W "${plain(v.words).join(' ')}" -- "$cur") )`;
      return [`    ${c.name}:--${o.name}) ${body}; return ;;`];
    }),
  );
  const positional = docs.map((c) => {
    const k = positionalKind(c);
    const body =
      k === 'words'
        ? `COMPREPLY=( $(compgen -W "${plain(c.positionalChoices).join(' ')}" -- "$cur") )`
        : k === 'pids'
          ? '_whydied_pids'
          : k === 'files'
            ? 'COMPREPLY=( $(compgen -f -- "$cur") )'
            : 'COMPREPLY=()';
    return `    ${c.name}) ${body} ;;`;
  });
  return `# bash completion for whydied (generated from the command definitions: whydied completion bash)
# Use: source <(whydied completion bash), or save it as
# /usr/share/bash-completion/completions/whydied (the Debian package installs it there).
_whydied_pids() {
  # PIDs only once a digit is typed: a host has thousands.
  [[ "$cur" == [0-9]* ]] && COMPREPLY=( $(compgen -W "$(cd /proc 2>/dev/null && compgen -G '[0-9]*')" -- "$cur") )
}
_whydied_list() {
  # A comma-separated list: complete the word after the last comma.
  local pre=""
  [[ "$cur" == *,* ]] && pre="\${cur%,*},"
  COMPREPLY=( $(compgen -P "$pre" -W "$1" -- "\${cur##*,}") )
  compopt -o nospace 2>/dev/null
}
_whydied() {
  local cur prev cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # --opt=value: bash splits at '=' (COMP_WORDBREAKS).
  if [[ "$cur" == "=" ]]; then cur=""; fi
  if [[ "$prev" == "=" ]]; then prev="\${COMP_WORDS[COMP_CWORD-2]}"; fi
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${names.join('|')}) cmd="\${COMP_WORDS[i]}"; break ;;
      --) break ;;
    esac
  done
  local first=""
  [[ -z "$cmd" ]] && { cmd=diagnose; first=1; }
  case "$cmd:$prev" in
${valueCases.join('\n')}
  esac
  case "$cmd" in
${opts.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
    return
  fi
  if [[ -n "$first" && $COMP_CWORD -eq 1 && "$cur" != [0-9]* ]]; then
    COMPREPLY=( $(compgen -W "${names.filter((n) => n !== 'diagnose').join(' ')}" -- "$cur") )
    return
  fi
  case "$cmd" in
${positional.join('\n')}
  esac
}
complete -F _whydied whydied
`;
}

/** zsh: _arguments specs need `[` `]` `:` `\` escaped in descriptions, and `'` closed and reopened. */
const zshDesc = (s: string): string => s.replace(/[[\]:\\']/g, (c) => (c === "'" ? "'\\''" : `\\${c}`));

function zsh(docs: CommandDoc[], checkIds: readonly string[]): string {
  const subs = docs.filter((c) => c.name !== 'diagnose').map((c) => `'${c.name}:${zshDesc(c.describe)}'`);
  const cases = docs
    .map((c) => {
      const specs = allOptions(c).map((o) => {
        const v = valuesOf(c.name, o, checkIds);
        const arg =
          v === null
            ? ''
            : v === 'files'
              ? ':file:_files'
              : v === 'free'
                ? ':value: '
                : v.list
                  ? `:${o.name}:_sequence compadd - ${plain(v.words).join(' ')}`
                  : `:${o.name}:(${plain(v.words).join(' ')})`;
        const repeat = REPEATABLE.includes(o.name) ? '*' : '';
        return `'${repeat}--${o.name}[${zshDesc(o.describe)}]${arg}'`;
      });
      const k = positionalKind(c);
      const pos =
        k === 'words'
          ? `':${c.name}:(${plain(c.positionalChoices).join(' ')})'`
          : k === 'pids'
            ? "'*:target:_whydied_pids'"
            : k === 'files'
              ? "'*:argument:_files'"
              : '';
      return `    (${c.name})\n      _arguments -s \\\n        ${[...specs, pos].filter(Boolean).join(' \\\n        ')}\n      ;;`;
    })
    .join('\n');
  return `#compdef whydied
# zsh completion for whydied (generated from the command definitions: whydied completion zsh)
# Use either: source <(whydied completion zsh)   (after compinit), or save it as _whydied in a directory
# of $fpath (the Debian package: /usr/share/zsh/vendor-completions/_whydied).
_whydied_pids() {
  # PIDs only once a digit is typed: a host has thousands.
  # Every process (zsh's _pids lists only ps's, those on a terminal): a background one has none.
  [[ $PREFIX == [0-9]* ]] || return 1
  local -a pids
  pids=(/proc/[0-9]*(N:t))
  _wanted pids expl 'process ID' compadd -a pids
}
_whydied() {
  local cmd=diagnose i
  for (( i = 2; i < CURRENT; i++ )); do
    case \${words[i]} in
      ${docs.map((c) => c.name).join('|')}) cmd=\${words[i]}; break ;;
      --) break ;;
      -*) ;;
      *) break ;;
    esac
  done
  if (( CURRENT == 2 )) && [[ $PREFIX != -* && $PREFIX != [0-9]* ]]; then
    local -a subcommands
    subcommands=(${subs.join(' ')})
    _describe -t commands 'whydied command' subcommands
    return
  fi
  if [[ $cmd != diagnose || \${words[i]} == diagnose ]] && (( i < CURRENT )); then
    # The subcommand's own arguments: as if it were the command.
    shift $(( i - 1 )) words
    (( CURRENT -= i - 1 ))
  fi
  case $cmd in
${cases}
  esac
}
# Loaded from $fpath by compinit, this file is the function's body; sourced, it registers the function.
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _whydied "$@"
else
  compdef _whydied whydied
fi
`;
}

/** fish: single-quoted strings end at `'` and treat `\\` specially. */
const fishQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fish(docs: CommandDoc[], checkIds: readonly string[]): string {
  const others = docs.filter((c) => c.name !== 'diagnose').map((c) => c.name);
  const lines: string[] = [
    '# fish completion for whydied (generated from the command definitions: whydied completion fish)',
    '# Use: whydied completion fish | source, or save it as ~/.config/fish/completions/whydied.fish',
    '# (the Debian package: /usr/share/fish/vendor_completions.d/whydied.fish).',
    'function __whydied_cmd',
    '    # The subcommand on the line, or diagnose (the default command).',
    '    for w in (commandline -opc)[2..-1]',
    `        contains -- $w ${docs.map((c) => c.name).join(' ')}; and echo $w; and return`,
    '        test "$w" = --; and break',
    '    end',
    '    echo diagnose',
    'end',
    'function __whydied_list',
    '    # A comma-separated list: offer each word after what is typed up to the last comma.',
    "    set -l pre (string match -r '.*,' -- (commandline -ct)); or set pre ''",
    '    for w in $argv',
    '        echo $pre$w',
    '    end',
    'end',
    'function __whydied_pids',
    '    # PIDs only once a digit is typed: a host has thousands.',
    "    string match -qr '^[0-9]' -- (commandline -ct); or return",
    '    __fish_complete_pids',
    'end',
    'complete -c whydied -f',
    `complete -c whydied -n "not __fish_seen_subcommand_from ${others.join(' ')}" -a '(__whydied_pids)'`,
  ];
  for (const c of docs) {
    if (c.name !== 'diagnose')
      lines.push(`complete -c whydied -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.describe)}`);
    const when = `-n 'test (__whydied_cmd) = ${c.name}'`;
    for (const o of allOptions(c)) {
      const v = valuesOf(c.name, o, checkIds);
      const arg =
        v === null
          ? ''
          : v === 'files'
            ? ' -r -F'
            : v === 'free'
              ? ' -x'
              : v.list
                ? ` -x -a '(__whydied_list ${plain(v.words).join(' ')})'`
                : ` -x -a '${plain(v.words).join(' ')}'`;
      lines.push(`complete -c whydied ${when} -l ${o.name}${arg} -d ${fishQuote(o.describe)}`);
    }
    const k = positionalKind(c);
    if (c.name !== 'diagnose' && k === 'pids') lines.push(`complete -c whydied ${when} -a '(__whydied_pids)'`);
    if (k === 'words') lines.push(`complete -c whydied ${when} -a '${plain(c.positionalChoices).join(' ')}'`);
    if (k === 'files') lines.push(`complete -c whydied ${when} -F`);
  }
  return lines.join('\n') + '\n';
}
