/**
 * Remedy: concrete, pasteable commands chosen for the threats this report found. The first command
 * escapes every event the survival matrix says kills it (or may kill it) that a relaunch can escape;
 * later ones are alternatives that escape the same set. Commands name only tools this host has.
 *
 * Built from the process's own argv, exe and cwd (hostile data): every word goes through shellQuote,
 * and a command handed to another shell (tmux) is quoted twice, so pasting it runs only that program.
 */
import type { Risk } from './types';
import type { HostTools } from '../source/types';
import { shellQuote, shellQuoteArgv } from '../util/shell-quote';
import { CI_RELAUNCH_ESCAPES, CI_SYSTEM_OF } from '../model/ci-markers';
import { detachedCommand } from '../model/safe-launch';
import { eventInfo, type EventTrait } from './events';
import type { RemedyStep } from './remedy-kinds';

export interface RemedyInput {
  argv: readonly string[];
  /** The executable (/proc/PID/exe): used when argv[0] is not something a shell could run. */
  exe: string | null;
  cwd: string | null;
  /** comm, for naming units, sessions and logs when argv[0] is unusable. */
  comm: string;
  pid: number;
  uid: number | null;
  /** Its real gid: a relaunch for another user keeps both ids (never root's). */
  gid?: number | null;
  /**
   * Its keeper, when its parent is a supervisor whose own config keeps it running (pm2 save/startup,
   * autorestart): the tools-table id and what keeps the child running there.
   */
  keeper?: { tool: string; label: string; keepRunning: string; command: string | null } | null;
  /** Inside a container, seen from within (pid 1 is a container init): the container's id when known. */
  insideContainer?: { id: string | null } | null;
  /** Where its stdout goes today when that is a regular file (keep appending there). */
  stdoutFile: string | null;
  /** CI marker names found in its environment (never values). */
  ciMarkers: readonly string[];
  /** The survival matrix: which events threaten it. */
  risks: readonly Risk[];
  tools: HostTools;
  /** Under the user manager (user@UID.service): lingering, not a relaunch, keeps it past logout. */
  userManager?: boolean;
  /**
   * The home directory of the process's user (/etc/passwd), where its relaunch's log goes: a file that user
   * owns, not /tmp/NAME.log, which another user may already own (sticky /tmp with fs.protected_regular makes
   * even root's O_CREAT open of it fail: the unit dies with 209/STDOUT while systemd-run exits 0).
   */
  home?: string | null;
  /**
   * The resource limits that end it, by prlimit's option name (`cpu`, `fsize`, `rttime`), soft and hard (null:
   * unlimited). Raising a finite hard limit needs CAP_SYS_RESOURCE (kernel/sys.c do_prlimit).
   */
  rlimits?: ReadonlyArray<{ option: 'cpu' | 'fsize' | 'rttime'; soft: number; hard: number | null }> | null;
  /** Its memory cgroup, when a limit applies (for raising it). */
  memoryCgroup: { dir: string; limitBytes: number; version: 1 | 2; memswLimitBytes?: number | null } | null;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** A name safe for a systemd unit, a tmux session and a file name: [A-Za-z0-9_.-], not starting with a dot. */
export function safeName(raw: string): string {
  const base = raw.slice(raw.lastIndexOf('/') + 1).replace(/^-+/, '');
  const clean = base
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 40);
  return clean || 'job';
}

const basename = (s: string): string => s.slice(s.lastIndexOf('/') + 1);

/**
 * The argv to relaunch. argv[0] is kept when a shell finds the same program by it: a path, or a bare
 * name matching the executable or comm. Otherwise (exec -a, a login shell's dash, a rewritten process
 * title) the executable runs instead; a title rewritten into one word with spaces loses its arguments.
 */
function relaunchArgv(input: Pick<RemedyInput, 'argv' | 'exe' | 'comm'>): string[] {
  const argv = [...input.argv];
  const exe = input.exe ? input.exe.replace(/ \(deleted\)$/, '') : null;
  if (argv.length === 0) return exe ? [exe] : [];
  const a0 = argv[0];
  const runnable = a0 !== '' && !a0.startsWith('-') && !CONTROL.test(a0) && !/\s/.test(a0);
  const samePrograms =
    a0.includes('/') || !exe || basename(exe) === a0 || input.comm === a0 || basename(exe).startsWith(a0);
  if (runnable && samePrograms) return argv;
  if (!exe) return argv;
  // A title rewritten as "name: role ..." in argv[0] alone carries no real arguments.
  return argv.length === 1 && /\s/.test(a0) ? [exe] : [exe, ...argv.slice(1)];
}

/** A keeper's own end (Risk.by) is no threat to escape: relaunching away from a supervisor loses it. */
const threatens = (r: Risk): boolean => r.outcome !== 'survives' && r.by !== 'keeper';
/** Whether an event with this trait (events table) threatens it. */
const threatened = (risks: readonly Risk[], trait: EventTrait): boolean =>
  risks.some((r) => eventInfo(r.event)?.[trait] === true && threatens(r));

/** Env prefixes that make CI cleanup pass over the relaunched process (the runners' public escapes). */
function ciEscape(markers: ReadonlySet<string>): string {
  const systems = new Set([...markers].map((m) => CI_SYSTEM_OF[m]).filter((s) => s !== undefined));
  const out = [...systems].flatMap((s) => CI_RELAUNCH_ESCAPES[s] ?? []);
  return out.length > 0 ? `${out.join(' ')} ` : '';
}

export type { RemedyKind, RemedyStep } from './remedy-kinds';

/** Commands, best first. Empty when nothing threatens it or there is no argv to relaunch. */
export function buildRemedy(input: RemedyInput): RemedyStep[] {
  const risks = input.risks;
  const out: RemedyStep[] = [];
  // The events a relaunch escapes (events table: relaunch).
  const needsRelaunch = risks.some((r) => eventInfo(r.event)?.relaunch === true && threatens(r));
  const argv = relaunchArgv(input);
  // A supervised process is kept by its supervisor's own config: relaunching it elsewhere loses the restarts.
  const k = input.keeper;
  if (needsRelaunch && k?.command) out.push({ kind: 'supervisor', command: k.command });
  // Seen from inside a container, a relaunch stays in it: only the container's restart policy (on its host) escapes.
  const inside = input.insideContainer;
  if (needsRelaunch && inside && threatened(risks, 'relaunchFromHost')) {
    if (inside.id)
      out.push({
        kind: 'container-restart',
        command: `docker update --restart=unless-stopped ${shellQuote(inside.id)}`,
      });
    return out;
  }
  // pid 1 is the init: relaunching it is never the fix.
  if (needsRelaunch && argv.length > 0 && input.pid !== 1) out.push(...relaunchCommands(input, argv));
  const rl = input.rlimits;
  if (rl && rl.length > 0 && risks.some((r) => eventInfo(r.event)?.raiseResourceLimit === true && threatens(r))) {
    const step = raiseLimitStep(input, rl);
    if (step) out.push(step);
  }
  const mem = input.memoryCgroup;
  if (risks.some((r) => eventInfo(r.event)?.raiseMemoryLimit === true && r.outcome === 'dies') && mem) {
    // Doubling the limit takes it out of "more than half"; the file path is the cgroup's, quoted. On v1 a
    // memory+swap limit caps the memory limit: it is raised first by the same amount.
    const next = mem.limitBytes * 2;
    // On cgroup v2 under the system manager, the unit's MemoryMax= is the limit: `systemctl set-property`
    // changes it live and keeps it (a drop-in) across restarts; a write to memory.max is lost at the next start.
    const unit = setPropertyUnit(mem, input.tools);
    if (unit) {
      const sudo = input.tools.euid !== null && input.tools.euid !== 0 ? 'sudo ' : '';
      out.push({
        kind: 'memory-limit',
        command: `${sudo}systemctl set-property ${shellQuote(unit)} MemoryMax=${next}`,
      });
      return out;
    }
    const file = `${mem.dir}/${mem.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'}`;
    const memsw =
      mem.version === 1 && mem.memswLimitBytes
        ? `echo ${mem.memswLimitBytes + (next - mem.limitBytes)} > ${shellQuote(`${mem.dir}/memory.memsw.limit_in_bytes`)} && `
        : '';
    out.push({ kind: 'memory-limit', command: `${memsw}echo ${next} > ${shellQuote(file)}` });
  }
  return out;
}

/**
 * prlimit(1) (util-linux) on the running process (prlimit(2)); `unlimited` sets soft and hard. Raising a finite
 * hard limit, or another user's limits, needs CAP_SYS_RESOURCE: sudo for a user; where whydied runs as root
 * without it (a container that dropped it), only the soft limit can rise, up to the hard one.
 */
function raiseLimitStep(input: RemedyInput, rl: NonNullable<RemedyInput['rlimits']>): RemedyStep | null {
  const { euid, capSysResource } = input.tools;
  const hardFinite = rl.some((l) => l.hard !== null);
  const pid = input.pid;
  if (euid === 0 && capSysResource === false && hardFinite) {
    const up = rl.filter((l) => l.hard === null || l.soft < l.hard);
    if (up.length === 0) return null;
    const opts = up.map((l) => `--${l.option}=${l.hard === null ? 'unlimited' : `${l.hard}:${l.hard}`}`);
    return { kind: 'raise-limit', command: `prlimit --pid ${pid} ${opts.join(' ')}` };
  }
  const sudo = euid !== null && euid !== 0 && (hardFinite || input.uid !== euid) ? 'sudo ' : '';
  return {
    kind: 'raise-limit',
    command: `${sudo}prlimit --pid ${pid} ${rl.map((l) => `--${l.option}=unlimited`).join(' ')}`,
  };
}

/** The system manager's unit whose cgroup is this memory cgroup (v2, systemd running), else null. */
function setPropertyUnit(mem: NonNullable<RemedyInput['memoryCgroup']>, tools: HostTools): string | null {
  if (mem.version !== 2 || !tools.systemdRunning) return null;
  const parts = mem.dir.split('/');
  // A user manager's units (below user@UID.service) are not the system manager's to change.
  if (parts.some((c) => /^user@\d+\.service$/.test(c)) && !/^user@\d+\.service$/.test(parts[parts.length - 1]))
    return null;
  const last = parts[parts.length - 1];
  return /^[A-Za-z0-9:_.@\\-]{1,200}\.(service|scope|slice)$/.test(last) ? last : null;
}

/** Whether the process's own user may enable its linger: with polkitd's shipped policy, or as root. */
function lingerPrefix(tools: HostTools, uid: number): string {
  const euid = tools.euid;
  if (euid === null || euid === 0) return '';
  // Someone else's linger needs root; one's own needs polkitd (logind falls back to CAP_SYS_ADMIN without it).
  return euid !== uid || tools.polkit === false ? 'sudo ' : '';
}

function relaunchCommands(input: RemedyInput, argv: string[]): RemedyStep[] {
  const { risks, tools } = input;
  const name = safeName(argv[0] || input.comm);
  // Root relaunching another user's process keeps that user: setpriv execs in place with its uid, gid and groups.
  const other =
    input.uid !== null &&
    input.uid !== 0 &&
    (tools.euid === 0 || tools.euid === null) &&
    input.gid !== null &&
    input.gid !== undefined;
  const asOwner = other ? `setpriv --reuid=${input.uid} --regid=${input.gid} --init-groups -- ` : '';
  const cmd = `${asOwner}${shellQuoteArgv(argv)}`;
  const plainCmd = shellQuoteArgv(argv);
  const home = input.home && !CONTROL.test(input.home) ? input.home : null;
  const log =
    input.stdoutFile && !CONTROL.test(input.stdoutFile)
      ? input.stdoutFile
      : home
        ? `${home.replace(/\/+$/, '')}/${name}.log`
        : `/tmp/${name}.log`;
  const cwd = input.cwd && !input.cwd.endsWith(' (deleted)') ? input.cwd : null;
  const cd = cwd ? `cd ${shellQuote(cwd)} && ` : '';
  const markers = new Set(input.ciMarkers);
  const ci = threatened(risks, 'relaunchDropsCiMarkers') ? ciEscape(markers) : '';
  const session = threatened(risks, 'relaunchLeavesSession');
  const systemd = tools.systemdRunning && tools.systemdRun;
  const unit = `${name}-${input.pid}`;
  const wd = cwd ? ` --working-directory=${shellQuote(cwd)}` : '';
  // A system unit: its own cgroup (no session scope, no container), a clean environment (no CI
  // markers), no terminal; output appended to the same log.
  const uid = input.uid !== null && input.uid !== 0 ? ` --uid=${input.uid}` : '';
  const unitTail = `--unit=${shellQuote(unit)}`;
  const runTail = `${wd} --property=${shellQuote(`StandardOutput=append:${log}`)} --property=StandardError=inherit -- ${plainCmd}`;
  const systemUnit = `systemd-run --collect ${unitTail}${uid}${runTail}`;
  const detached = tools.setsid ? detachedCommand({ cmd, log: shellQuote(log), cd, env: ci }) : null;
  // tmux runs a single argument through sh -c: hand it one quoted `exec CMD` string.
  const tmuxOk =
    tools.tmux &&
    !other &&
    !session &&
    !threatened(risks, 'relaunchDropsCiMarkers') &&
    !threatened(risks, 'relaunchFromHost');
  const tmux = tmuxOk
    ? `tmux new -d -s ${shellQuote(unit)}${cwd ? ` -c ${shellQuote(cwd)}` : ''} ${shellQuote(`exec ${cmd}`)}`
    : null;

  const out: RemedyStep[] = [];
  if (session && input.userManager && tools.loginctl && input.uid !== null) {
    // A user unit already lives outside the session: it only needs the user manager to stay.
    out.push({ kind: 'linger', command: `${lingerPrefix(tools, input.uid)}loginctl enable-linger ${input.uid}` });
    return out;
  }
  if (session && systemd) {
    // setsid and tmux stay in the session scope and die at logout: only a unit outside it survives. Root
    // starts a system service (as the process's user); that user alone can start a user service, which
    // survives logout only while the user lingers.
    const owner = input.uid;
    const viewer = tools.euid;
    if (viewer === null || viewer === 0 || owner === null || owner === 0) {
      out.push({ kind: 'system-service', command: systemUnit });
    } else if (viewer === owner) {
      const userUnit = `systemd-run --user --collect ${unitTail}${runTail}`;
      out.push({
        kind: 'user-service',
        command: tools.loginctl
          ? `${lingerPrefix(tools, owner)}loginctl enable-linger ${owner} && ${userUnit}`
          : userUnit,
      });
      out.push({ kind: 'system-service', command: `sudo ${systemUnit}` });
    } else {
      out.push({ kind: 'system-service', command: `sudo ${systemUnit}` });
    }
    return out;
  }
  if (detached) out.push({ kind: ci ? 'relaunch-ci-escape' : 'relaunch-detached', command: detached });
  if (systemd) out.push({ kind: 'system-service', command: systemUnit });
  if (tmux) out.push({ kind: 'tmux-session', command: tmux });
  return out;
}
