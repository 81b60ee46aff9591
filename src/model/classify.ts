import { appletOf, namesOfRole, toolOf, type ToolRole } from './tools';

/**
 * Ancestor classification: what kind of process launched (or holds) the target.
 *
 * Pure: works on a few fields of stat plus argv, so the same answer comes from a live read and a
 * bundle replay. Names are matched on comm (the kernel's 15-byte name) and argv[0]'s basename,
 * because wrappers like `exec -a` or setproctitle change one but rarely both.
 */

export type AncestorKind =
  | 'init'
  | 'systemd'
  | 'systemd-user'
  | 'interactive-shell'
  | 'shell'
  | 'sshd'
  | 'tmux-server'
  | 'tmux-client'
  | 'screen-server'
  | 'screen-client'
  | 'terminal-emulator'
  | 'script'
  | 'container-init'
  | 'ci-runner'
  | 'cron'
  | 'nohup'
  | 'setsid'
  | 'keeper'
  | 'supervisor'
  | 'wrapper'
  | 'job-runner'
  | 'daemonizer'
  | 'kernel-thread'
  | 'other';

export interface ClassifyInput {
  pid: number;
  comm: string;
  argv: readonly string[] | null;
  /** tty_nr from stat; 0 means no controlling terminal. */
  ttyNr: number;
  /** PF_KTHREAD or a child of kthreadd. */
  kernelThread?: boolean;
}

export interface Classification {
  kind: AncestorKind;
  /** Short human label, e.g. `bash -c (non-interactive shell)`. */
  label: string;
  /** The tools-table entry it matched (src/model/tools.ts), when one did. */
  tool?: string;
}

/** The classifier's name lists, read from the tools table (src/model/tools.ts): one place to add a tool. */
const SHELLS = namesOfRole('shell');

/** Is this process name a shell's (comm or argv[0]'s basename)? */
export const isShellName = (name: string): boolean => SHELLS.has(name);

/** Each tool role as the ancestor kind the rules and checks read. */
const KIND_OF_ROLE: Record<Exclude<ToolRole, 'shell' | 'keeper' | 'terminal'>, AncestorKind> = {
  wrapper: 'wrapper',
  supervisor: 'supervisor',
  scheduler: 'cron',
  'job-runner': 'job-runner',
  daemonizer: 'daemonizer',
  'container-init': 'container-init',
  'container-runtime': 'container-init',
  'ci-runner': 'ci-runner',
};

/** Tools with a kind of their own (kept from before the table: the JSON evidence names them). */
const OWN_KIND: Readonly<Record<string, AncestorKind>> = {
  nohup: 'nohup',
  setsid: 'setsid',
  script: 'script',
  'terminal-emulator': 'terminal-emulator',
};

function basename(s: string): string {
  const i = s.lastIndexOf('/');
  return i >= 0 ? s.slice(i + 1) : s;
}

/** bash treats argv[0] starting with `-`, `-l` and `--login` as a login shell (huponexit applies only there). */
export function isLoginShellArgv(argv: readonly string[]): boolean {
  if ((argv[0] ?? '').startsWith('-')) return true;
  return argv.slice(1).some((x) => x === '--login' || (/^-[a-zA-Z]+$/.test(x) && x.includes('l')));
}

/** Does this shell argv run a command string or a script (non-interactive), or ask for -i? */
function shellMode(argv: readonly string[]): { command: boolean; script: boolean; interactiveFlag: boolean } {
  let command = false;
  let interactiveFlag = false;
  let script = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      script = i + 1 < argv.length;
      break;
    }
    if (a.startsWith('--')) {
      if (a === '--login' || a === '--noprofile' || a === '--norc' || a === '--posix') continue;
      if (a === '--rcfile' || a === '--init-file') {
        i++;
        continue;
      }
      continue;
    }
    if (a.startsWith('-') || a.startsWith('+')) {
      const letters = a.slice(1);
      if (letters.includes('c')) command = true;
      if (letters.includes('i')) interactiveFlag = true;
      // `-o option` / `-O option` take an argument.
      if (letters === 'o' || letters === 'O') i++;
      continue;
    }
    // First non-option word: the command string after -c, or a script file.
    if (!command) script = true;
    break;
  }
  return { command, script, interactiveFlag };
}

function shellLabel(name: string, argv: readonly string[] | null, ttyNr: number): Classification {
  if (argv && argv.length > 0) {
    const argv0 = argv[0];
    const mode = shellMode(argv);
    if (mode.interactiveFlag) return { kind: 'interactive-shell', label: `${name} -i (interactive shell)` };
    if (argv0.startsWith('-')) return { kind: 'interactive-shell', label: `${argv0} (login shell)` };
    if (mode.command) return { kind: 'shell', label: `${name} -c shell` };
    if (mode.script) return { kind: 'shell', label: `${name} script` };
  }
  // A bare shell is interactive when it has a terminal (bash decides the same way: isatty on stdin).
  if (ttyNr !== 0) return { kind: 'interactive-shell', label: `${name} (interactive shell)` };
  return { kind: 'shell', label: `${name} (non-interactive shell)` };
}

function isJenkinsAgent(argv: readonly string[]): boolean {
  return argv.some(
    (a) =>
      /(^|\/)(agent|slave|remoting)[^/]*\.jar$/.test(a) || a === 'hudson.remoting.Launcher' || a.includes('jenkins'),
  );
}

export function classifyProcess(p: ClassifyInput): Classification {
  const comm = p.comm;
  const argv = p.argv;
  const argv0 = argv && argv.length > 0 ? argv[0] : '';
  const base0 = basename(argv0.replace(/^-/, ''));

  if (p.kernelThread) return { kind: 'kernel-thread', label: `${comm} (kernel thread)` };

  if (comm.startsWith('tmux')) {
    // tmux renames itself `tmux: server` / `tmux: client`; before that, the server has no tty.
    if (comm.includes('server')) return { kind: 'tmux-server', label: 'tmux server', tool: 'tmux' };
    if (comm.includes('client')) return { kind: 'tmux-client', label: 'tmux client' };
    return p.ttyNr === 0
      ? { kind: 'tmux-server', label: 'tmux server', tool: 'tmux' }
      : { kind: 'tmux-client', label: 'tmux client' };
  }
  if (comm === 'screen' || base0 === 'screen' || argv0 === 'SCREEN') {
    // The screen server rewrites argv[0] to upper case `SCREEN`.
    if (argv0 === 'SCREEN' || p.ttyNr === 0) return { kind: 'screen-server', label: 'screen server', tool: 'screen' };
    return { kind: 'screen-client', label: 'screen client' };
  }

  if (p.pid === 1) {
    if (comm === 'systemd' || base0 === 'systemd') return { kind: 'systemd', label: 'systemd (system manager)' };
    if (isContainerInit(comm, base0)) return { kind: 'container-init', label: `${comm} (container init)` };
    return { kind: 'init', label: `${comm} (init)` };
  }
  if (comm === 'systemd' || base0 === 'systemd') {
    if (argv && argv.includes('--user')) return { kind: 'systemd-user', label: 'systemd --user (user manager)' };
    return { kind: 'systemd', label: 'systemd' };
  }

  if (
    comm === 'sshd' ||
    comm === 'sshd-session' ||
    base0 === 'sshd' ||
    base0 === 'sshd-session' ||
    argv0.startsWith('sshd:')
  ) {
    const session = argv0.startsWith('sshd:') ? argv0.slice(5).trim() : '';
    return { kind: 'sshd', label: session ? `sshd session (${session})` : 'sshd' };
  }

  if (isContainerInit(comm, base0)) {
    return { kind: 'container-init', label: `${comm} (container init/shim)`, tool: toolOf(p)?.id ?? undefined };
  }
  if (comm === 'java' && argv && isJenkinsAgent(argv)) return { kind: 'ci-runner', label: 'java (Jenkins agent)' };

  const tool = toolOf(p);
  // `supervisord (supervisord)` says nothing twice: the tool's label alone when it is just the name.
  const named = (label: string): string => (label === comm ? comm : `${comm} (${label})`);
  if (tool && tool.role !== 'shell') {
    const own = OWN_KIND[tool.id];
    if (own)
      return {
        kind: own,
        label: own === 'nohup' || own === 'setsid' ? tool.label : named(tool.label),
        tool: tool.id,
      };
    if (tool.role === 'keeper') {
      // The master/server has no terminal of its own; a client attached from a terminal is just a client.
      return p.ttyNr === 0
        ? { kind: 'keeper', label: `${comm} (${tool.label}, keeps its program's terminal)`, tool: tool.id }
        : { kind: 'other', label: `${comm} (${tool.id} client)`, tool: tool.id };
    }
    if (tool.role === 'terminal') return { kind: 'script', label: named(tool.label), tool: tool.id };
    return { kind: KIND_OF_ROLE[tool.role], label: named(tool.label), tool: tool.id };
  }

  // `busybox sh -i`: the applet is the shell, and its own arguments follow it.
  const applet = appletOf(p);
  if (applet && SHELLS.has(applet) && argv) {
    const c = shellLabel(applet, argv.slice(1), p.ttyNr);
    return { ...c, label: `busybox ${c.label}`, tool: 'shell' };
  }
  const shellName = SHELLS.has(comm) ? comm : SHELLS.has(base0) ? base0 : null;
  if (shellName) return { ...shellLabel(shellName, argv, p.ttyNr), tool: 'shell' };

  return { kind: 'other', label: comm };
}

/** Container inits and runtime shims match by prefix too (`containerd-shim-runc-v2`). */
const CONTAINER_NAMES = [...namesOfRole('container-init'), ...namesOfRole('container-runtime')];
function isContainerInit(comm: string, base0: string): boolean {
  return CONTAINER_NAMES.some((c) => comm.startsWith(c) || base0.startsWith(c));
}

/** Kinds that hold a terminal on behalf of others (who stays when the user goes). */
export const TERMINAL_HOLDERS: ReadonlySet<AncestorKind> = new Set<AncestorKind>([
  'sshd',
  'tmux-server',
  'screen-server',
  'terminal-emulator',
  'script',
  'keeper',
]);

/** Kinds that keep their program's terminal after the user detaches or logs out (tmux, screen, dtach, abduco). */
export const DETACHABLE_KEEPERS: ReadonlySet<AncestorKind> = new Set<AncestorKind>([
  'tmux-server',
  'screen-server',
  'keeper',
]);

export const isShellKind = (k: AncestorKind): boolean => k === 'shell' || k === 'interactive-shell';
