/**
 * The survival matrix, part of the verdict (only verdict.ts calls it): for each event that kills
 * background processes, does it reach this one? Each outcome's reason names the evidence it rests on;
 * where /proc cannot tell (huponexit, disown, a program's own SIGHUP handler), the answer is `unknown`.
 */
import type { ReportProcess, Risk, RiskOutcome } from './types';
import type { ExistenceEvidence } from '../../checks/existence';
import type { ParentChainEvidence } from '../../checks/parent-chain';
import type { SignalsEvidence } from '../../checks/signals';
import type { ProcessGroupEvidence } from '../../checks/process-group';
import type { TtyEvidence } from '../../checks/tty';
import type { StdioEvidence } from '../../checks/stdio';
import type { CgroupEvidence } from '../../checks/cgroup';
import type { CiEnvironmentEvidence } from '../../checks/ci-environment';
import type { MemoryEvidence } from '../../checks/memory';
import { isShellKind } from './classify';

export interface RiskEvidence {
  existence: ExistenceEvidence | null;
  chain: ParentChainEvidence | null;
  signals: SignalsEvidence | null;
  group: ProcessGroupEvidence | null;
  tty: TtyEvidence | null;
  stdio: StdioEvidence | null;
  cgroup: CgroupEvidence | null;
  ci: CiEnvironmentEvidence | null;
  memory: MemoryEvidence | null;
  process: ReportProcess | null;
}

type Outcome = { outcome: RiskOutcome; reason: string };

const dies = (reason: string): Outcome => ({ outcome: 'dies', reason });
const survives = (reason: string): Outcome => ({ outcome: 'survives', reason });
const unknown = (reason: string): Outcome => ({ outcome: 'unknown', reason });

/** Caveat for survivors whose stdout/stderr is still the terminal. */
function ttyWriteCaveat(e: RiskEvidence): string {
  const fds = (e.stdio?.ttyFds ?? []).filter((fd) => fd > 0);
  return fds.length > 0 ? `; fd ${fds.join(', ')} is still a terminal, so its writes will fail with EIO` : '';
}

function terminalHangup(e: RiskEvidence): Outcome {
  const t = e.tty;
  const s = e.signals;
  if (!t) return unknown('its controlling terminal could not be read');
  if (t.tty === null) return survives(`it has no controlling terminal (tty_nr 0), so no hangup is delivered to it${ttyWriteCaveat(e)}`);
  if (t.multiplexer && t.holder) {
    return survives(`its terminal ${t.tty} belongs to the ${t.holder.label} (pid ${t.holder.pid}), a detached server that outlives an SSH or terminal disconnect`);
  }
  if (!s) return unknown(`it is on terminal ${t.tty} but its signal dispositions could not be read`);
  if (s.hup === 'ignored') return survives(`SIGHUP is ignored (SigIgn has SIGHUP, as nohup sets it)${ttyWriteCaveat(e)}`);
  if (s.hup === 'caught') return unknown(`it is on terminal ${t.tty} and installs its own SIGHUP handler (SigCgt): the program decides`);
  const pid = e.process?.pid ?? -1;
  if (t.sessionLeader && t.sessionLeader.pid === pid) return dies(`it is the session leader of ${t.tty}: the kernel sends it SIGHUP when the terminal hangs up`);
  if (t.foreground) return dies(`it is in the foreground process group of ${t.tty}: the kernel sends that group SIGHUP on hangup`);
  const shell = e.chain?.interactiveShell ?? null;
  if (shell) {
    return dies(`it is a job of interactive shell ${shell.comm} (pid ${shell.pid}) on ${t.tty}, which forwards SIGHUP to its jobs on hangup (unless they were disowned), and SIGHUP is not ignored`);
  }
  if (t.sessionLeader && isShellKind(t.sessionLeader.kind)) {
    return dies(`its session leader ${t.sessionLeader.label} (pid ${t.sessionLeader.pid}) holds ${t.tty} and passes SIGHUP on; SIGHUP is not ignored`);
  }
  return unknown(`it is on terminal ${t.tty} as a background process with SIGHUP at its default, but no interactive shell in its session forwards hangups`);
}

function parentExit(e: RiskEvidence): Outcome {
  const c = e.chain;
  const s = e.signals;
  const p = e.process;
  if (!c || !p) return unknown('its parent chain could not be read');
  if (p.ppid <= 1) return survives(`it was already reparented to init (ppid ${p.ppid}): there is no launcher left to exit`);
  const parent = c.ancestors[0];
  if (!parent) return unknown(`its parent ${p.ppid} could not be read${c.stoppedAt ? ` (${c.stoppedAt.reason})` : ''}`);
  const hupIgnored = s?.hup === 'ignored';
  const t = e.tty;
  const pname = `${parent.label} (pid ${parent.pid})`;
  if (t?.tty && t.holder && t.holder.pid === parent.pid) {
    return hupIgnored
      ? survives(`its parent ${pname} holds its terminal ${t.tty}, but SIGHUP is ignored`)
      : dies(`its parent ${pname} holds its terminal ${t.tty}: when it exits the terminal hangs up and SIGHUP reaches it`);
  }
  if (t?.tty && t.foreground && t.sessionLeader?.pid === parent.pid) {
    return hupIgnored
      ? survives(`its parent ${pname} controls ${t.tty}, but SIGHUP is ignored`)
      : dies(`its parent ${pname} is the controlling process of ${t.tty} and it is in the foreground group: the kernel sends that group SIGHUP when the parent exits`);
  }
  if (parent.kind === 'interactive-shell') {
    if (hupIgnored) return survives(`its parent ${pname} is an interactive shell, but SIGHUP is ignored`);
    return unknown(`its parent ${pname} is an interactive shell: it sends SIGHUP to its jobs on exit only with huponexit set, which /proc does not show`);
  }
  const stdin = e.stdio?.fds.find((f) => f.fd === 0);
  if (stdin?.kind === 'tty' && !t?.foreground) {
    return unknown(`it would be reparented when ${pname} exits, but stdin is a terminal: reads fail with EIO once its group is orphaned`);
  }
  return survives(`when ${pname} exits it is reparented to init or a subreaper; no signal follows from that (a prctl parent-death signal would not be visible in /proc)`);
}

function groupKill(e: RiskEvidence): Outcome {
  const g = e.group;
  const s = e.signals;
  if (!g) return unknown('its process group could not be read');
  if (g.groupLeader) {
    return survives(`it leads its own process group ${g.pgid}${g.sessionLeader ? ` and session ${g.sid}` : ''}: killing its launcher's group does not reach it`);
  }
  // pgid 0: the group was made outside this pid namespace (a container's init); no command here names it.
  if (g.pgid === 0) return unknown('its process group was created outside this pid namespace (pgid 0): only whoever started the container can kill it as a group');
  // The nohup caveat only where nohup (or the program) ignored SIGHUP: elsewhere it answers a question nobody asked.
  const termNote =
    s?.term === 'ignored' ? '; SIGTERM is ignored but the SIGKILL that follows cannot be' : s?.hup === 'ignored' ? '; ignoring SIGHUP (nohup) does not protect against SIGTERM or SIGKILL' : '';
  const runner = g.sharesWithRunner;
  if (runner) {
    return dies(`it shares process group ${g.pgid} with ${runner.label} (pid ${runner.pid}), a job runner: when the runner or its caller kills the group (kill -- -${g.pgid}), it dies too${termNote}`);
  }
  const leader = g.groupLeaderInfo;
  if (!leader || !leader.alive) {
    return unknown(`the leader of its process group ${g.pgid} has exited; whoever started that group may still kill it (kill -- -${g.pgid})`);
  }
  return dies(`it shares process group ${g.pgid} with its leader ${leader.label} (pid ${leader.pid}): a kill of that group reaches it${termNote}`);
}

function sessionEnd(e: RiskEvidence): Outcome {
  const c = e.cgroup;
  if (!c) return unknown('its cgroup could not be read');
  if (c.kind === 'session-scope') {
    if (c.killUserProcesses === true) return dies(`it runs in login session ${c.unit} and KillUserProcesses=yes (${c.killUserProcessesSource}): logind stops the scope at logout`);
    if (c.killUserProcesses === false) return survives(`it runs in login session ${c.unit}, but KillUserProcesses=no (${c.killUserProcessesSource})`);
    return unknown(`it runs in login session ${c.unit}; KillUserProcesses is not set in a readable logind.conf (the compiled-in default decides, usually no)`);
  }
  if (c.kind === 'user-manager') return unknown(`it runs under the user manager (${c.unit}), which stops at the user's last logout unless lingering is enabled`);
  const path = c.decidingPath ?? c.paths[0]?.path ?? '/';
  if (c.kind === 'service') return survives(`it runs in systemd service ${c.unit} (${path}), not in a login session scope`);
  if (c.kind === 'container') return survives(`it runs in a container cgroup (${path}), not in a login session scope`);
  if (c.kind === 'user-scope') return survives(`it runs in scope ${c.unit} (${path}), not in a login session scope`);
  return survives(`its cgroup (${path}) is not a logind session scope, so no session end stops it`);
}

function ciCleanup(e: RiskEvidence): Outcome {
  const ci = e.ci;
  const runner = ci?.runnerAncestor ?? e.chain?.ciRunner ?? null;
  if (ci && ci.reapingMarkers.length > 0) {
    return dies(`its environment carries ${ci.reapingMarkers.join(', ')} (names only): the CI runner reaps processes with these markers when the job ends`);
  }
  if (runner) return dies(`CI runner ${runner.label} (pid ${runner.pid}) is an ancestor and reaps its process tree when the job ends`);
  if (!ci) return unknown('its environment could not be read');
  if (ci.unreadable) return unknown(`its environment could not be read (${ci.unreadable}) and no CI runner ancestor was found`);
  if (ci.markers.includes('CI')) return unknown('only the generic CI variable is set; no runner-specific reaping marker or runner ancestor');
  return survives('no CI markers (RUNNER_TRACKING_ID, BUILD_ID, JENKINS_NODE_COOKIE, GITLAB_CI, ...) in its environment and no CI runner ancestor');
}

function memoryPressure(e: RiskEvidence): Outcome {
  const m = e.memory;
  if (!m) return unknown('its oom_score could not be read');
  if (m.oomScoreAdj === -1000) return survives('oom_score_adj is -1000: the OOM killer never picks it');
  if (m.rssRatio !== null && m.rssRatio > 0.8) {
    return dies(`its RSS (${m.rssKb} kB) is ${Math.round(m.rssRatio * 100)}% of its cgroup memory limit: the cgroup OOM killer is close`);
  }
  if (m.rank === 1 && m.tied === 0 && (m.oomScore ?? 0) > 0 && m.ranked > 1) {
    return dies(`it has the highest oom_score (${m.oomScore}) of ${m.ranked} processes: the OOM killer picks it first`);
  }
  const limit = m.cgroupLimitBytes ? `RSS ${m.rssRatio !== null ? Math.round(m.rssRatio * 100) : '?'}% of its cgroup limit` : 'no cgroup memory limit';
  return survives(`oom_score ${m.oomScore} ranks ${m.rank} of ${m.ranked}; ${limit}`);
}

export function evaluateRisks(e: RiskEvidence): Risk[] {
  if (e.existence?.kernelThread) {
    const reason = 'kernel thread: not reachable by terminals, sessions, user signals or the OOM killer';
    return (['terminal-hangup', 'parent-exit', 'group-kill', 'session-end', 'ci-cleanup', 'memory-pressure'] as const).map((event) => ({ event, outcome: 'survives', reason }));
  }
  return [
    { event: 'terminal-hangup', ...terminalHangup(e) },
    { event: 'parent-exit', ...parentExit(e) },
    { event: 'group-kill', ...groupKill(e) },
    { event: 'session-end', ...sessionEnd(e) },
    { event: 'ci-cleanup', ...ciCleanup(e) },
    { event: 'memory-pressure', ...memoryPressure(e) },
  ];
}
