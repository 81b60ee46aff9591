/**
 * The tools table: launchers, keepers, supervisors, wrappers and runners whydied recognises, each with the
 * traits the survival rules read (what the tool does to its child when the tool itself stops, whether it
 * holds the child's terminal, whether it kills a job's group at the end) and where each trait was read.
 *
 * Classification (classify.ts) matches a process against this table by name: only the name can tell a
 * supervisor's stop policy or a wrapper's signal relay, which /proc does not show. Adding a tool is one
 * entry here plus its reality scenario (test/reality/tools-*.test.ts); the rules never name a tool.
 *
 * Every `sources` line names the tool's own manual or source, and what was measured on Debian 12 (the
 * reality suite makes each trait happen: see the scenario named in src/engine/mechanisms/tools.ts).
 */

/** What part the tool plays for the process it starts; classify.ts maps each role to an ancestor kind. */
export type ToolRole =
  | 'shell'
  | 'wrapper'
  | 'keeper'
  | 'supervisor'
  | 'scheduler'
  | 'job-runner'
  | 'daemonizer'
  | 'container-init'
  | 'container-runtime'
  | 'ci-runner'
  | 'terminal';

export interface ToolTraits {
  /** It forwards the termination signals it receives (TERM, INT, HUP...) to its child. */
  relaysSignals: boolean;
  /** When it is itself stopped (SIGTERM, its own stop command) it ends its child: a death by its keeper. */
  stopsChildrenOnOwnStop: boolean;
  /** Its stop reaches the child's whole process group (or tree), not only the child: a `sh -c` between is no shield. */
  signalsGroup: boolean;
  /** A child that ignores the stop signal still gets SIGKILL after a grace period. */
  escalatesToKill: boolean;
  /** It kills the job's process group when the job ends (a CI step, a timeout). */
  killsGroupAtEnd: boolean;
  /** It holds the pty master of its child's terminal: its end hangs the terminal up. */
  holdsPty: boolean;
  /** The terminal it holds outlives the user's connection (a detachable keeper: tmux, screen, dtach). */
  detachable: boolean;
  /** Its child runs in a session of its own (setsid in the child). */
  newSessionForChild: boolean;
  /** It only waits for its children: it never signals them, at their end or its own. */
  reapsOnly: boolean;
  /** It is (or can be) the init of a container's PID namespace. */
  containerInit: boolean;
  /**
   * It gives the child it starts a parent-death signal (prctl PR_SET_PDEATHSIG, SIGKILL unless said): the
   * kernel signals the child the moment this tool exits, however it ends, a SIGKILL of it included
   * (kernel/exit.c forget_original_parent -> reparent_leader ... group_send_sig_info(pdeath_signal)).
   */
  childDeathSignal: boolean;
  /** It gave itself a parent-death signal: the kernel SIGKILLs it when its own parent exits (bwrap --die-with-parent). */
  ownDeathSignal: boolean;
}

export interface Tool {
  /** Stable id (the catalogue entry is `tool.<family>`). */
  id: string;
  role: ToolRole;
  /** comm (15 bytes) or argv[0]'s basename. */
  names: readonly string[];
  /** comm prefixes, for tools that rename themselves (`PM2 v7.0.4: God Daemon`). */
  prefixes?: readonly string[];
  /**
   * Script paths (their tail) an interpreter runs the tool from, for tools whose script has a generic name
   * (`node …/forever/bin/monitor app.js`): matched on the interpreter's first operand.
   */
  scripts?: readonly string[];
  /**
   * Multi-call binaries that run this tool as an applet named by their first argument (`busybox sh -i`: comm
   * and argv[0] are `busybox`, argv[1] is the applet). Only applets whose traits are this entry's are listed.
   */
  appletOf?: readonly string[];
  /** Short human label. */
  label: string;
  traits: ToolTraits;
  /** How the keeper is ordinarily stopped, named in the rules' reasons (`supervisorctl stop NAME`). */
  stop: string | null;
  /** The keeper's own way to keep the child running past its end, in words (the catalogue's remedy). */
  keepRunning: string | null;
  /** The same as a command to paste, when one exists (the remedy's first step for a supervised process). */
  keepCommand?: string;
  /** The catalogue family it belongs to (src/engine/mechanisms/tools.ts). */
  family: string;
  sources: readonly string[];
  /**
   * Traits an option changes (`tini -g` signals the child's group, `dumb-init -c` only the child): applied
   * when the tool's own argv holds one of `flags` before its command.
   */
  flagTraits?: ReadonlyArray<{
    flags: readonly string[];
    traits: Partial<ToolTraits>;
    /**
     * The flag is looked for in the whole argv, not only before the command: for tools whose options take
     * values (`bwrap --ro-bind / / --die-with-parent CMD`), where the command's start cannot be told without
     * the tool's own option table. A command that carries the same flag would be taken for the tool's.
     */
    anywhere?: boolean;
  }>;
}

const T = (t: Partial<ToolTraits>): ToolTraits => ({
  relaysSignals: false,
  stopsChildrenOnOwnStop: false,
  signalsGroup: false,
  escalatesToKill: false,
  killsGroupAtEnd: false,
  holdsPty: false,
  detachable: false,
  newSessionForChild: false,
  reapsOnly: false,
  containerInit: false,
  childDeathSignal: false,
  ownDeathSignal: false,
  ...t,
});

export const TOOLS: readonly Tool[] = [
  {
    id: 'shell',
    role: 'shell',
    names: ['bash', 'sh', 'dash', 'zsh', 'ksh', 'ksh93', 'mksh', 'ash', 'hush', 'fish', 'tcsh', 'csh', 'yash'],
    // busybox's shell applets (ash; hush when built in): `busybox sh` keeps comm `busybox`. Through an applet
    // link (`/bin/sh -> busybox`) the kernel names the process by the link (comm `sh`): matched by name.
    appletOf: ['busybox'],
    label: 'shell',
    traits: T({}),
    stop: null,
    keepRunning: null,
    family: 'shell',
    sources: [
      'bash(1) SIGNALS: an interactive shell resends SIGHUP to all jobs at hangup; huponexit sends it at login-shell exit; disown -h exempts a job',
      'bash jobs.c: end_job_control / hangup_all_jobs; stopped jobs get SIGTERM+SIGCONT when the shell exits (terminate_stopped_jobs)',
      'dash(1), zsh(1) zshmisc "Jobs": zsh HUPs running jobs at exit unless NO_HUP; dash keeps no job table across exit',
      'busybox 1.35 libbb/appletlib.c run_applet_and_exit(): `busybox APPLET ARGS` runs the applet named by argv[1] in the same process (comm stays `busybox`); shell/ash.c is an Almquist shell like dash (no SIGHUP handler when interactive, no huponexit)',
      "dash 0.5.12 src/trap.c setsignal(): an interactive dash catches no SIGHUP (measured SigCgt: SIGCHLD only), so a hangup ends it with nothing resent to its jobs; whydied reads that from the shell's SigCgt, not from its name",
    ],
  },
  {
    id: 'sudo',
    role: 'wrapper',
    names: ['sudo'],
    label: 'sudo',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, holdsPty: true }),
    stop: 'kill -TERM <sudo pid>',
    keepRunning: null,
    family: 'privilege-wrappers',
    sources: [
      'sudo(8) "Signal handling": sudo relays SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1/2, SIGWINCH... to the command',
      'sudoers(5) use_pty (default in Debian 12 /etc/sudoers): the command runs in a new pty whose master sudo holds; a killed sudo hangs it up',
      'measured (sudo 1.9.13p3): SIGTERM to sudo ends the command; SIGKILL to sudo without a pty leaves it running',
    ],
  },
  {
    id: 'su',
    role: 'wrapper',
    names: ['su', 'runuser'],
    label: 'su/runuser',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, escalatesToKill: true }),
    stop: 'kill -TERM <su pid>',
    keepRunning: null,
    family: 'privilege-wrappers',
    sources: [
      'util-linux login-utils/su-common.c create_watching_parent(): on SIGTERM/SIGINT/SIGQUIT it prints "Session terminated, killing shell...", sends SIGTERM, waits 2 s, then SIGKILL',
      "su(1), runuser(1) (util-linux 2.38): -c/--session-command; runuser -u runs the command in runuser's own group",
      'measured: SIGTERM to su or runuser -u ends the command; SIGKILL leaves it running',
    ],
  },
  {
    id: 'setpriv',
    role: 'wrapper',
    names: ['setpriv', 'chpst', 's6-setuidgid', 'setuidgid'],
    label: 'setpriv',
    traits: T({}),
    stop: null,
    keepRunning: null,
    family: 'exec-wrappers',
    sources: [
      'setpriv(1) (util-linux): sets credentials and execs the program; no process of its own remains',
      'chpst(8) (runit), setuidgid(8) (daemontools): exec in place',
    ],
  },
  {
    id: 'timeout',
    role: 'wrapper',
    names: ['timeout'],
    label: 'timeout',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, signalsGroup: true, killsGroupAtEnd: true }),
    // --foreground: no setpgid, and signals go to the command alone (send_sig(monitored_pid) only).
    flagTraits: [{ flags: ['--foreground'], traits: { signalsGroup: false, killsGroupAtEnd: false } }],
    stop: 'kill -TERM <timeout pid>',
    keepRunning: null,
    family: 'timeout',
    sources: [
      'timeout(1) (coreutils 9.1): "upon timeout, send the TERM signal to COMMAND"; --foreground: "children of COMMAND will not be timed out"',
      'coreutils src/timeout.c cleanup(): relays SIGTERM/SIGINT/SIGHUP/SIGQUIT to the child, then to its own process group (kill(0, sig)) unless --foreground; setpgid(0,0) at start',
      'measured (coreutils 9.1): with --foreground, SIGTERM to timeout ends its command but not a server the command started under `sh -c`',
    ],
  },
  {
    id: 'nohup',
    role: 'wrapper',
    names: ['nohup'],
    label: 'nohup wrapper',
    traits: T({}),
    stop: null,
    keepRunning: null,
    family: 'exec-wrappers',
    sources: [
      'nohup(1) (coreutils): ignores SIGHUP and execs the command; output to nohup.out when stdout is a terminal',
    ],
  },
  {
    id: 'setsid',
    role: 'daemonizer',
    names: ['setsid'],
    label: 'setsid wrapper',
    traits: T({ newSessionForChild: true }),
    stop: null,
    keepRunning: null,
    family: 'daemonizers',
    sources: [
      'setsid(1) (util-linux): forks only when it already leads a group (or -f), then setsid() and exec; -w waits for the child',
    ],
  },
  {
    id: 'unshare',
    role: 'wrapper',
    names: ['unshare'],
    label: 'unshare',
    // With --fork it waits for its child; with --kill-child[=SIG] that child has SIG (SIGKILL) as its
    // parent-death signal. Its SIGTERM is blocked and SIGINT/SIGQUIT ignored while it waits (measured
    // SigBlk/SigIgn), so only a SIGKILL, or its child's own end, ends it.
    traits: T({}),
    flagTraits: [{ flags: ['--kill-child'], traits: { childDeathSignal: true } }],
    stop: null,
    keepRunning: null,
    family: 'death-signal-launchers',
    sources: [
      'unshare(1) (util-linux 2.38) --kill-child[=signame]: "When unshare terminates, have signame be sent to the forked child process" (SIGKILL by default); sys-utils/unshare.c: prctl(PR_SET_PDEATHSIG) in the child after fork',
      'measured (util-linux 2.38.1): `unshare --fork --kill-child sleep` shows SigBlk SIGINT|SIGTERM and SigIgn SIGINT|SIGQUIT in unshare; SIGTERM to unshare leaves both running; SIGKILL to unshare kills the child',
    ],
  },
  {
    id: 'bwrap',
    role: 'wrapper',
    names: ['bwrap'],
    label: 'bubblewrap sandbox',
    traits: T({}),
    // bubblewrap.c handle_die_with_parent(): PR_SET_PDEATHSIG SIGKILL in the monitor (after the clone), in the
    // sandbox's pid 1 (do_init) and in the command before execve: each dies when the one above it exits.
    flagTraits: [
      { flags: ['--die-with-parent'], traits: { childDeathSignal: true, ownDeathSignal: true }, anywhere: true },
    ],
    stop: null,
    keepRunning: null,
    family: 'death-signal-launchers',
    sources: [
      'bwrap(1) (bubblewrap 0.8.0) --die-with-parent: "Ensures child process (COMMAND) dies when bwrap\'s parent dies. Kills (SIGKILL) all bwrap sandbox processes in sequence from parent to child including COMMAND process when bwrap or bwrap\'s parent dies"',
      'bubblewrap.c handle_die_with_parent(): prctl(PR_SET_PDEATHSIG, SIGKILL) in the monitor, in do_init (the pid 1 of --unshare-pid) and in the command before execve',
      'measured (bubblewrap 0.8.0): SIGKILL of the shell that started `bwrap --die-with-parent ... sleep` kills bwrap and sleep; without the flag sleep runs on',
    ],
  },
  {
    id: 'start-stop-daemon',
    role: 'daemonizer',
    names: ['start-stop-daemon', 'daemonize'],
    label: 'daemonizer',
    traits: T({ newSessionForChild: true }),
    stop: null,
    keepRunning: null,
    family: 'daemonizers',
    sources: [
      'start-stop-daemon(8) (dpkg 1.21) --background: "forks and detaches": fork, setsid(), fork again, chdir /, stdio on /dev/null; the launcher exits',
      'daemonize(1): the same double fork (daemon(3)-style)',
    ],
  },
  {
    id: 'daemon',
    role: 'supervisor',
    names: ['daemon'],
    label: 'daemon (libslack)',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true }),
    stop: 'daemon --name NAME --stop',
    keepRunning: '--respawn',
    family: 'daemonizers',
    sources: [
      'daemon(1) (libslack 0.8): "If daemon receives a SIGTERM signal (e.g. from daemon --stop), it propagates the signal to the client and then terminates"; it double-forks itself first',
    ],
  },
  {
    id: 'tmux',
    role: 'keeper',
    names: ['tmux'],
    label: 'tmux server',
    traits: T({ holdsPty: true, detachable: true, newSessionForChild: true }),
    stop: 'tmux kill-server',
    keepRunning: null,
    family: 'pty-keepers',
    sources: [
      'tmux(1) kill-server: "Kill the tmux server and clients and destroy all sessions"; each pane is a pty whose master the server holds',
      'tmux spawn.c: the pane process calls setsid() and takes the pane pty as its controlling terminal',
    ],
  },
  {
    id: 'screen',
    role: 'keeper',
    names: ['screen'],
    label: 'screen server',
    traits: T({ holdsPty: true, detachable: true, newSessionForChild: true }),
    stop: 'screen -S NAME -X quit',
    keepRunning: null,
    family: 'pty-keepers',
    sources: [
      'screen(1) "quit": kill all windows and terminate screen; the SCREEN server holds each window pty master',
    ],
  },
  {
    id: 'dtach',
    role: 'keeper',
    names: ['dtach', 'abduco'],
    label: 'dtach/abduco master',
    traits: T({ holdsPty: true, detachable: true, newSessionForChild: true }),
    stop: 'kill <master pid>',
    keepRunning: null,
    family: 'pty-keepers',
    sources: [
      'dtach(1) 0.9: "dtach -n creates a new session without attaching": the master holds the pty, the program runs on its slave; the master exits when the program does',
      'dtach master.c init_pty(): forkpty() gives the program a session and controlling terminal of its own',
      'abduco(1): the same design (server holds the pty, clients attach); not packaged for Debian 12',
    ],
  },
  {
    id: 'mosh-server',
    role: 'keeper',
    names: ['mosh-server'],
    label: 'mosh server',
    traits: T({ holdsPty: true, detachable: true, newSessionForChild: true }),
    stop: 'kill <mosh-server pid>',
    keepRunning: null,
    family: 'pty-keepers',
    sources: [
      'mosh-server(1) 1.4: "mosh-server ... detaches from the terminal and waits for the mosh-client to connect"; the session persists across the client’s disconnects and roaming',
      'mosh src/frontend/mosh-server.cc run_server(): forks into the background (fork after setsid), forkpty()s the command, which waits for the first client before exec; the server holds the pty master and exits with the command',
      'measured (Debian 12 mosh 1.4.0): killing mosh-client leaves the command running; SIGTERM to mosh-server hangs its terminal up and SIGHUP ends the command',
    ],
  },
  {
    id: 'script',
    role: 'terminal',
    names: ['script', 'expect', 'unbuffer'],
    label: 'pty recorder',
    traits: T({ holdsPty: true, newSessionForChild: true }),
    stop: null,
    keepRunning: null,
    family: 'pty-keepers',
    sources: ['script(1) (util-linux): runs the shell on a new pty whose master script holds'],
  },
  {
    id: 'pm2',
    role: 'supervisor',
    names: ['pm2'],
    prefixes: ['PM2 v', 'PM2'],
    label: 'pm2 daemon',
    traits: T({ stopsChildrenOnOwnStop: true, signalsGroup: true, escalatesToKill: true, newSessionForChild: true }),
    stop: 'pm2 kill',
    keepRunning: 'pm2 save && pm2 startup (the app list resurrected by a boot unit)',
    keepCommand: 'pm2 save && pm2 startup',
    family: 'supervisors',
    sources: [
      'pm2 docs "Process Management" / lib/God.js: `pm2 kill` stops every app (SIGINT, then SIGKILL after kill_timeout) before the God daemon exits',
      'pm2 lib/God/ForkMode.js: apps are spawned detached (a session of their own) under the God daemon; lib/TreeKill.js kills the whole tree of an app',
      'pm2 docs "Startup Script": `pm2 save` + `pm2 startup` resurrect the list at boot',
    ],
  },
  {
    id: 'supervisord',
    role: 'supervisor',
    names: ['supervisord'],
    label: 'supervisord',
    traits: T({ stopsChildrenOnOwnStop: true, escalatesToKill: true }),
    stop: 'supervisorctl shutdown',
    keepRunning: 'autorestart=true in its [program:NAME] section',
    family: 'supervisors',
    sources: [
      'supervisord docs "Running supervisord" Signals: SIGTERM/SIGINT/SIGQUIT: "supervisord and all its subprocesses will shut down"',
      'supervisor/process.py Subprocess.kill(): stopsignal (TERM), SIGKILL after stopwaitsecs; each program in a process group of its own (setpgrp in _spawn)',
    ],
  },
  {
    id: 'runsv',
    role: 'supervisor',
    names: ['runsv'],
    label: 'runit runsv',
    traits: T({ stopsChildrenOnOwnStop: true }),
    stop: 'sv down NAME',
    keepRunning: 'the service directory (runsv restarts ./run when it exits; `sv up NAME`)',
    family: 'supervisors',
    sources: [
      'runsv(8) CONTROL "x": "If the service is running, send it a TERM signal, and then a CONT signal"; runit runsv.c: SIGTERM to runsv acts as x',
      'runsvdir(8): "If runsvdir receives a HUP signal, it sends a TERM signal to each runsv(8) process"',
      'measured (runit 2.1.2): SIGTERM to runsv ends the service; SIGKILL or SIGHUP leaves it running',
    ],
  },
  {
    id: 's6-supervise',
    role: 'supervisor',
    names: ['s6-supervise'],
    label: 's6-supervise',
    traits: T({ stopsChildrenOnOwnStop: true, newSessionForChild: true }),
    stop: 's6-svc -d DIR',
    keepRunning: 'the service directory under s6-svscan (`s6-svc -u DIR`)',
    family: 'supervisors',
    sources: [
      's6-supervise (skarnet.org doc): "SIGTERM: bring down the service and exit, as if a s6-svc -xd command had been received"; SIGHUP: exit once the service is down',
      'measured (s6 2.11.3.2): the service runs in a session of its own; SIGKILL to s6-supervise leaves it running',
    ],
  },
  {
    id: 'daemontools-supervise',
    role: 'supervisor',
    names: ['supervise'],
    label: 'daemontools supervise',
    traits: T({ reapsOnly: true }),
    stop: 'svc -d DIR',
    keepRunning: 'the service directory under svscan (`svc -u DIR`)',
    family: 'supervisors',
    sources: [
      'supervise(8) (daemontools 0.76): no signal handling of its own; svc -d sends TERM+CONT; svc -x exits supervise "when the service is down"',
      'measured: SIGTERM or SIGKILL to supervise leaves the service running (reparented)',
    ],
  },
  {
    id: 'cron',
    role: 'scheduler',
    names: ['cron', 'crond', 'CRON', 'anacron', 'fcron'],
    label: 'cron',
    traits: T({ reapsOnly: true, newSessionForChild: true }),
    stop: null,
    keepRunning: null,
    family: 'schedulers',
    sources: [
      "Debian cron 3.0pl1 do_command.c child_process(): the job's child calls setsid(), runs /bin/sh -c, and the CRON process only waits for it and for EOF on its output pipe (mailed); no kill of the job",
      "crontab(5): each job runs with the user's HOME as cwd and a minimal environment",
    ],
  },
  {
    id: 'atd',
    role: 'scheduler',
    names: ['atd'],
    label: 'at daemon',
    traits: T({ reapsOnly: true, newSessionForChild: true }),
    stop: null,
    keepRunning: null,
    family: 'schedulers',
    sources: [
      'at 3.2.5 atd.c run_file(): fork, setsid(), exec the job through /bin/sh; the parent waits and mails the output; nothing is killed',
    ],
  },
  {
    id: 'parallel',
    role: 'job-runner',
    names: ['parallel'],
    label: 'GNU parallel',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, escalatesToKill: true }),
    stop: 'kill -TERM <parallel pid>',
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'parallel(1) --termseq: "When parallel receives SIGTERM ... the jobs are sent the termseq (default TERM,200,TERM,100,TERM,50,KILL,25)"',
      'measured (parallel 20221122): SIGTERM to parallel ends its jobs; SIGKILL to parallel leaves them running',
    ],
  },
  {
    id: 'xargs',
    role: 'job-runner',
    names: ['xargs'],
    label: 'xargs',
    traits: T({ reapsOnly: true }),
    stop: null,
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'xargs(1) (findutils 4.9): runs commands in its own group and only waits for them; it installs no TERM handler, so its death sends them nothing',
    ],
  },
  {
    id: 'watch',
    role: 'job-runner',
    names: ['watch'],
    label: 'watch',
    traits: T({ reapsOnly: true }),
    stop: null,
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'procps-ng 4.0.2 src/watch.c run_command(): a forked child (also named watch) dup2s a pipe onto stdout/stderr and runs the command with system() (`sh -c`; -x: execvp), watch reads the pipe until EOF and waits; no setpgid, so the command is in watch’s group, the terminal’s foreground',
      'watch.c die(): SIGHUP, SIGINT and SIGTERM only restore the screen and exit (endwin_exit): no child is signalled; its command then dies only at its next write to the pipe (SIGPIPE) or when the terminal’s foreground group is signalled',
      'measured (procps 4.0.2): SIGTERM to watch leaves `sleep` it runs alive; a hangup of its terminal ends it (the foreground group gets SIGHUP); `watch "cmd &"` leaves cmd reparented in watch’s group, holding the pipe, so watch waits for it',
    ],
  },
  {
    id: 'make',
    role: 'job-runner',
    names: ['make', 'gmake'],
    label: 'make',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true }),
    stop: 'kill -TERM <make pid>',
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'GNU make 4.3 commands.c fatal_error_signal(): on SIGTERM it kills its running recipe children (kill(c->pid, SIGTERM)) and removes their targets',
    ],
  },
  {
    id: 'entr',
    role: 'job-runner',
    names: ['entr'],
    label: 'entr',
    traits: T({}),
    flagTraits: [{ flags: ['-r'], traits: { stopsChildrenOnOwnStop: true, signalsGroup: true } }],
    stop: 'kill -TERM <entr pid> (or q)',
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'entr(1) 5.3 -r: "Reload a persistent child process ... SIGTERM is sent to the process group"; entr.c handle_exit(): terminate_utility() (killpg of the child’s group) only in -r mode',
      'entr.c run_utility(): the utility runs in a process group of its own (setpgid)',
      'measured (Debian 12 entr 5.3): SIGTERM to `entr -r` ends the utility and a server under its `sh -c`; without -r the utility runs on',
    ],
  },
  {
    id: 'npm',
    role: 'job-runner',
    names: ['npm', 'npx'],
    prefixes: ['npm ', 'npx '],
    label: 'npm (runs scripts through sh -c)',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true }),
    stop: 'kill -TERM <npm pid>',
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'npm 11 @npmcli/run-script lib/signal-manager.js: SIGINT and SIGTERM are forwarded to each running script process (proc.kill(signal)), its direct child only',
      'npm-run-script(1): scripts run through `sh -c` (script-shell); dash does not exec the last command, so the app is sh’s child',
      'measured (npm 11.19, dash 0.5.12): SIGTERM to `npm start` ends its `sh -c`, and the app under it runs on, reparented',
    ],
  },
  {
    id: 'tsx',
    role: 'job-runner',
    names: ['tsx'],
    label: 'tsx (TypeScript runner)',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, escalatesToKill: true }),
    stop: 'kill -TERM <tsx pid> (or Ctrl-C)',
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'tsx 4.23 dist/cli.mjs relaySignals(): the CLI runs the script in a child node and, on SIGINT or SIGTERM, relays the signal to it (relaySignalToChild), SIGKILL when the child does not exit by it',
      'tsx 4.23 `watch` (dist/cli.mjs killProcess): on SIGINT/SIGTERM the running child gets the signal, then SIGKILL after 5 s ("Process didn\'t exit in 5s. Force killing..."), before tsx exits',
      'measured (npm tsx 4.23.15): SIGTERM to `tsx watch app.js` ends app.js; SIGKILL to tsx leaves it running',
    ],
  },
  {
    id: 'concurrently',
    role: 'job-runner',
    names: ['concurrently', 'conc'],
    label: 'concurrently',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, signalsGroup: true }),
    stop: 'kill -TERM <concurrently pid>',
    keepRunning: null,
    family: 'job-runners',
    sources: [
      'concurrently 9.2 dist/src/flow-control/kill-on-signal.js: on SIGINT, SIGTERM or SIGHUP every command is killed with that signal',
      "concurrently 9.2 dist/src/command.js kill(): tree-kill of the command's pid, so the `/bin/sh -c` it runs commands through is no shield",
      'measured (npm concurrently 9.2.5): SIGTERM to concurrently ends `sh -c` and the command under it',
    ],
  },
  {
    id: 'nodemon',
    role: 'supervisor',
    names: ['nodemon'],
    label: 'nodemon',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true }),
    stop: 'kill -TERM <nodemon pid>',
    keepRunning: null,
    family: 'supervisors',
    sources: [
      "nodemon 3.1 lib/monitor/run.js: process.once('SIGTERM') -> child.kill('SIGTERM') (its direct child only; the psTree kill of the whole subtree is for restarts and SIGINT's quit)",
      'measured (npm nodemon 3.1.14): SIGTERM to nodemon ends `node app.js` it runs directly; with --exec through `sh -c` the command under sh is left running',
    ],
  },
  {
    id: 'forever',
    role: 'supervisor',
    names: ['forever'],
    scripts: ['forever/bin/monitor'],
    label: 'forever monitor',
    traits: T({ stopsChildrenOnOwnStop: true }),
    stop: 'forever stop <script|index> (or forever stopall)',
    keepRunning:
      'forever keeps restarting it; at boot only a unit or cron @reboot running `forever start` brings it back',
    family: 'supervisors',
    sources: [
      'forever 4.0 lib/forever.js startDaemon(): `forever start` spawns `node …/forever/bin/monitor SCRIPT` detached (a session of its own) and exits; the monitor (forever-monitor 3.0 Monitor) runs the script with its stdio on pipes to itself',
      'forever-monitor 3.0 lib/forever-monitor/monitor.js stop()/kill(): `forever stop` asks the monitor over its socket, which kills the child (common.kill with killTree, SIGKILL by default) and exits; its SIGTERM handler is commented out, so a SIGTERM to the monitor itself ends only the monitor',
      'measured (npm forever 4.0.3): `forever stop app.js` ends app.js; SIGTERM to the monitor leaves app.js running',
    ],
  },
  {
    id: 'foreman',
    role: 'supervisor',
    names: ['foreman', 'forego', 'honcho'],
    prefixes: ['foreman: '],
    label: 'foreman (Procfile runner)',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, signalsGroup: true, escalatesToKill: true }),
    stop: 'kill -TERM <foreman pid> (or Ctrl-C)',
    keepRunning: 'a unit per Procfile line (`foreman export systemd`)',
    family: 'supervisors',
    sources: [
      'foreman 0.87.2 lib/foreman/engine.rb handle_signal: TERM/INT -> terminate_gracefully: killall (Process.kill of its own process group, where its Procfile processes run), SIGKILL to the rest after --timeout (5 s)',
      'foreman(1) "SIGNALS": on SIGINT/SIGTERM it sends SIGTERM to all processes, then SIGKILL after the timeout; honcho and forego copy this design',
      'measured (ruby-foreman 0.87.2, Debian 12): SIGTERM to `foreman: master` ends every Procfile process',
    ],
  },
  {
    id: 'monit',
    role: 'supervisor',
    names: ['monit'],
    label: 'monit',
    traits: T({ stopsChildrenOnOwnStop: true, escalatesToKill: true, newSessionForChild: true }),
    stop: 'monit quit',
    keepRunning: 'a start program that daemonizes itself (monit then checks it by pidfile and restarts it)',
    family: 'supervisors',
    sources: [
      'monit 5.33 libmonit src/system/Command.c Process_free(): a sub-process not yet detached and still running is killed (Process_kill) when monit frees it, as it does at its exit',
      'monit(1) "start program": monit spawns it in a session of its own with its output on pipes, expecting it to daemonize',
      'measured (Debian 12 monit 5.33.0): a start program that stays in the foreground is SIGKILLed by monit when monit gets SIGTERM',
    ],
  },
  {
    // A per-connection child of `socat …,fork EXEC:`/`SYSTEM:`: socat sits between the socket and the program.
    id: 'socat',
    role: 'wrapper',
    names: ['socat'],
    label: 'socat',
    traits: T({ stopsChildrenOnOwnStop: true }),
    stop: 'the connection closing, or kill -TERM <socat pid>',
    keepRunning: null,
    family: 'socket-servers',
    sources: [
      'socat(1) 1.7.4 EXEC/SYSTEM: the program runs as a sub process on a socketpair (or pipes) to socat; options sighup, sigint, sigquit: "Has socat pass signals of this type to the sub process"',
      'socat 1.7.4 xioshutdown.c / xioclose: when socat closes an EXEC or SYSTEM address (at EOF or at its own exit on a signal) it waits briefly for the sub process and then sends it SIGTERM',
      'measured (Debian 12 socat 1.7.4.4): SIGTERM to the per-connection socat ends its EXEC child; SIGTERM to the listening socat leaves the per-connection ones running',
    ],
  },
  {
    id: 'container-init',
    role: 'container-init',
    names: ['docker-init', 'tini', 'catatonit'],
    label: 'container init',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, containerInit: true }),
    flagTraits: [{ flags: ['-g'], traits: { signalsGroup: true } }],
    stop: 'docker stop (SIGTERM to the init)',
    keepRunning: 'the container restart policy (docker update --restart=unless-stopped)',
    family: 'container-inits',
    sources: [
      'tini 0.19 tini.c: forwards signals to the child only; -g: "Send signals to the child\'s process group" (kill(-pid)); reaps zombies, exits with the child',
      'catatonit README/catatonit.c: forwards to the child, -g to its process group; docker-init is tini (docker run --init)',
      'measured (Debian 12 tini 0.19, catatonit 0.1.7): SIGTERM to the init ends its child; a server under that child’s `sh -c` survives unless -g',
    ],
  },
  {
    id: 'dumb-init',
    role: 'container-init',
    names: ['dumb-init'],
    label: 'container init',
    traits: T({ relaysSignals: true, stopsChildrenOnOwnStop: true, signalsGroup: true, containerInit: true }),
    flagTraits: [{ flags: ['-c', '--single-child'], traits: { signalsGroup: false } }],
    stop: 'docker stop (SIGTERM to the init)',
    keepRunning: 'the container restart policy (docker update --restart=unless-stopped)',
    family: 'container-inits',
    sources: [
      'dumb-init 1.2 README "Session behavior": by default it runs the child in a new session and "forwards all signals to the child process group"; -c/--single-child forwards to the child only',
      'dumb-init.c forward_signal(): kill(use_setsid ? -child_pid : child_pid, signum)',
      'measured (Debian 12 dumb-init 1.2.5): SIGTERM to dumb-init ends a server under its `sh -c` too',
    ],
  },
  {
    id: 'container-runtime',
    role: 'container-runtime',
    names: ['containerd-shim', 'runc', 'crun', 'conmon', 'docker-proxy'],
    label: 'container runtime shim',
    traits: T({ containerInit: true }),
    stop: 'docker stop',
    keepRunning: 'the container restart policy',
    family: 'container-inits',
    sources: ["runc(8) / containerd-shim: the container's PID namespace and cgroup; stopping the container kills both"],
  },
  {
    id: 'ci-runner',
    role: 'ci-runner',
    names: [
      'Runner.Worker',
      'Runner.Listener',
      'Agent.Worker',
      'Agent.Listener',
      'gitlab-runner',
      'buildkite-agent',
      'woodpecker-agent',
      'act_runner',
      'circleci-agent',
    ],
    label: 'CI runner',
    traits: T({ killsGroupAtEnd: true }),
    stop: null,
    keepRunning: null,
    family: 'ci-runners',
    sources: [
      "actions/runner src/Runner.Worker ProcessInvoker + JobExtension: kills processes carrying the job's RUNNER_TRACKING_ID at job end",
      'gitlab-runner shells/bash + helpers/process: the job script in a process group of its own (Setpgid), killed as a group',
      'Jenkins ProcessTreeKiller: matches BUILD_ID / JENKINS_NODE_COOKIE',
      "microsoft/azure-pipelines-agent src/Agent.Worker/JobExtension.cs: SIGKILLs processes carrying the job's VSTS_PROCESS_LOOKUP_ID at job end",
      "buildkite/agent internal/process: the job command's process group, SIGTERM then SIGKILL on cancel",
      "woodpecker-ci/woodpecker pipeline/backend/local: SIGKILL to the step's process group at every step's end",
    ],
  },
  {
    id: 'terminal-emulator',
    role: 'terminal',
    names: [
      'gnome-terminal-',
      'gnome-terminal',
      'gnome-terminal-server',
      'konsole',
      'xterm',
      'uxterm',
      'urxvt',
      'urxvtd',
      'rxvt',
      'alacritty',
      'kitty',
      'terminator',
      'tilix',
      'xfce4-terminal',
      'mate-terminal',
      'lxterminal',
      'qterminal',
      'wezterm-gui',
      'foot',
      'st',
      'terminology',
      'guake',
      'yakuake',
      'sakura',
      'ghostty',
    ],
    label: 'terminal emulator',
    traits: T({ holdsPty: true, newSessionForChild: true }),
    stop: null,
    keepRunning: null,
    family: 'pty-keepers',
    sources: ['xterm(1) and peers: the window holds the pty master; closing it hangs the terminal up'],
  },
];

function basename(s: string): string {
  const i = s.lastIndexOf('/');
  return i >= 0 ? s.slice(i + 1) : s;
}

const BY_NAME = new Map<string, Tool>();
for (const t of TOOLS) for (const n of t.names) if (!BY_NAME.has(n)) BY_NAME.set(n, t);
/** Multi-call binaries (appletOf) and the tools they run by applet name. */
const MULTI_CALL = new Set(TOOLS.flatMap((t) => t.appletOf ?? []));
const APPLET_TOOLS = new Map<string, Tool>();
for (const t of TOOLS) if (t.appletOf) for (const n of t.names) if (!APPLET_TOOLS.has(n)) APPLET_TOOLS.set(n, t);

/**
 * Interpreters whose comm is their own name whatever script they run (`node .bin/nodemon`, `ruby
 * /usr/bin/foreman`): for these the script's basename names the tool.
 */
const INTERPRETER = /^(node|nodejs|python[0-9.]*|ruby[0-9.]*|perl[0-9.]*)$/;

/** argv's first operand after the interpreter's own options (`node --inspect x.js` -> x.js), as a path. */
function scriptPathOf(argv: readonly string[]): string {
  for (const a of argv.slice(1, 6)) if (!a.startsWith('-')) return a;
  return '';
}

const scriptOf = (argv: readonly string[]): string => basename(scriptPathOf(argv));

/** Its options before the command (`--` or the first operand ends them). */
function optionsOf(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of argv.slice(1, 16)) {
    if (a === '--' || !a.startsWith('-')) break;
    out.push(a);
  }
  return out;
}

/** The tool with the traits its own options change (flagTraits). */
function withFlags(tool: Tool, argv: readonly string[] | null): Tool {
  if (!tool.flagTraits || !argv) return tool;
  const opts = optionsOf(argv);
  const end = argv.indexOf('--');
  const whole = argv.slice(1, end < 0 ? argv.length : end);
  let traits = tool.traits;
  for (const f of tool.flagTraits)
    if (
      (f.anywhere ? whole : opts).some(
        (o) =>
          // `--kill-child=SIGTERM`: the flag with its value.
          f.flags.includes(o.startsWith('--') ? o.split('=')[0] : o) ||
          (/^-[a-zA-Z]+$/.test(o) && f.flags.some((x) => /^-[a-zA-Z]$/.test(x) && o.includes(x[1]))),
      )
    )
      traits = { ...traits, ...f.traits };
  return traits === tool.traits ? tool : { ...tool, traits };
}

/** The tool a process is, by comm or argv[0]'s basename (a login shell's leading dash dropped); null if none. */
/**
 * The applet a multi-call binary runs (`busybox sh -i` -> `sh`), when its comm or argv[0] names a binary some
 * tool lists in appletOf; null otherwise. argv[1] is the applet (libbb/appletlib.c), a path's basename.
 */
export function appletOf(p: { comm: string; argv?: readonly string[] | null }): string | null {
  const argv = p.argv ?? [];
  if (argv.length < 2) return null;
  const base0 = basename(argv[0].replace(/^-/, ''));
  if (!MULTI_CALL.has(p.comm) && !MULTI_CALL.has(base0)) return null;
  const applet = basename(argv[1]);
  return APPLET_TOOLS.has(applet) ? applet : null;
}

export function toolOf(p: { comm: string; argv?: readonly string[] | null }): Tool | null {
  const applet = appletOf(p);
  if (applet) return APPLET_TOOLS.get(applet) ?? null;
  const argv0 = p.argv && p.argv.length > 0 ? p.argv[0] : '';
  const base0 = basename(argv0.replace(/^-/, ''));
  const script = p.argv && (INTERPRETER.test(p.comm) || INTERPRETER.test(base0)) ? scriptOf(p.argv) : '';
  const byName =
    BY_NAME.get(p.comm) ?? BY_NAME.get(base0) ?? BY_NAME.get(argv0) ?? (script ? BY_NAME.get(script) : undefined);
  if (byName) return withFlags(byName, p.argv ?? null);
  for (const t of TOOLS) if (t.prefixes?.some((x) => p.comm.startsWith(x))) return t;
  const scriptPath = script && p.argv ? scriptPathOf(p.argv) : '';
  if (scriptPath)
    for (const t of TOOLS) if (t.scripts?.some((x) => scriptPath === x || scriptPath.endsWith(`/${x}`))) return t;
  return null;
}

export const toolById = (id: string): Tool | null => TOOLS.find((t) => t.id === id) ?? null;

/** Names of every tool with this role (the classifier's lists are read from here). */
export const namesOfRole = (role: ToolRole): ReadonlySet<string> =>
  new Set(TOOLS.filter((t) => t.role === role).flatMap((t) => t.names));
