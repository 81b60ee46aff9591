import type { Mechanism } from './types';

/**
 * Well-known tools' ways of ending a process (shells, wrappers, keepers, supervisors, runners, inits): one
 * entry per family of src/model/tools.ts (whose `sources` hold the per-tool lines read), each tied to the
 * rules that predict it and the reality scenarios (test titles in test/reality) that make it happen.
 */
export const toolMechanisms: readonly Mechanism[] = [
  {
    id: 'tool.shell',
    family: 'tool',
    title: 'Shells at hangup and at exit: an interactive shell resends SIGHUP to its jobs; stopped jobs get SIGTERM',
    sources: [
      'bash(1) SIGNALS and jobs.c hangup_all_jobs(): at SIGHUP an interactive shell resends SIGHUP to every job not disowned; huponexit does the same when a login shell exits',
      'bash jobs.c terminate_stopped_jobs(): stopped jobs get SIGTERM and SIGCONT when the shell exits',
      'bash jobs.c make_child()/delete_job(): with job control each job gets a process group of its own; a finished job is deleted from the table, and hangup_all_jobs() signals only the jobs still in it',
      'zshmisc(1) "Jobs": zsh HUPs running jobs at exit unless NO_HUP; dash keeps no job table past its exit',
    ],
    procShows:
      "An interactive shell (argv `-bash`, `bash -i`, or a shell on a tty) is an ancestor in the same session; the target is in a background group whose member is that shell's child (the job table itself is invisible: `disown` cannot be seen).",
    traceShows:
      "signal_generate SIGHUP with the shell as sender and a group or pid target (sys_kill from bash), right after the kernel's SIGHUP to the shell.",
    rules: [
      'hangup.shell-job',
      'hangup.session-leader',
      'parent.login-shell-job',
      'parent.stopped-job',
      'parent.reparent',
      'group.finished-job',
    ],
    watch: 'shell-forwarded-hangup',
    remedy: 'Relaunch in a session of its own (setsid -f, logs appended), or disown -h it in that shell.',
    scenarios: [
      'plain `cmd &`: dies (likely) at hangup (disown, invisible, named as the exception), and it does die when the connection drops',
      'huponexit: a login shell that exits SIGHUPs its jobs; without it they stay',
      'a stopped job (^Z) dies when its shell exits and when the connection drops',
      "`(cmd &)` leaves no job: it survives the drop, and no one kills the finished job's group",
    ],
  },
  {
    id: 'tool.privilege-wrappers',
    family: 'tool',
    title: 'sudo, su and runuser relay their stop to the command they run; sudo with its own pty hangs it up',
    sources: [
      'sudo(8) "Signal handling" (1.9.13): SIGTERM, SIGHUP, SIGINT... received by sudo are relayed to the command',
      'sudoers(5) use_pty (Debian 12 default): the command runs on a pty whose master sudo holds',
      'util-linux login-utils/su-common.c create_watching_parent(): on SIGTERM "Session terminated, killing shell...", SIGTERM then SIGKILL after 2 s',
    ],
    procShows:
      'Its parent is `sudo`, `su` or `runuser` (a waiting wrapper; with use_pty two sudo processes, the outer one holding the pty master).',
    traceShows: 'signal_generate SIGTERM (or SIGHUP from the pty hangup) with the wrapper as sender.',
    rules: ['parent.stopper', 'group.keeper-group'],
    watch: 'kill',
    remedy:
      'Nothing to escape when the wrapper is stopped on purpose. A relaunch for another user keeps that user: `setpriv --reuid=UID --regid=GID --init-groups` or `systemd-run --uid=UID`, never root.',
    scenarios: [
      'sudo without a terminal: SIGTERM to sudo is relayed to the command',
      'sudo with its own pty: SIGKILL to sudo still hangs up the command',
      'su -c: the watching parent kills the shell when it is terminated',
      'runuser -u: SIGTERM to runuser ends the command',
      "a step leaves a process of user nobody behind: the remedy relaunches it as nobody, and it survives the step's group kill",
    ],
  },
  {
    id: 'tool.exec-wrappers',
    family: 'tool',
    title: 'nohup and setpriv exec in place: nohup ignores SIGHUP only, which protects from no group kill',
    sources: [
      'nohup(1) (coreutils 9.1): "run COMMAND, ignoring hangup signals"; it execs the command',
      'setpriv(1) (util-linux 2.38): sets credentials and execs; no process of its own remains',
    ],
    procShows: 'SigIgn has SIGHUP (nohup); no wrapper process remains in the chain.',
    traceShows: 'signal_generate SIGTERM/SIGKILL to its group (a runner) despite SIGHUP ignored.',
    rules: ['hangup.sighup-ignored', 'parent.sighup-ignored', 'group.leader-gone'],
    watch: 'group-kill',
    remedy: "Leave the launcher's group and session too: setsid -f, logs appended.",
    scenarios: [
      '`nohup cmd &` survives the drop; SIGHUP ignored decides hangup and parent exit',
      'the seed: `nohup cmd &` in a step that exits; the tool kills the step group at its end and it dies',
    ],
  },
  {
    id: 'tool.timeout',
    family: 'tool',
    title: 'timeout relays its stop to its command and signals its own process group at expiry',
    sources: [
      'timeout(1) (coreutils 9.1): TERM at expiry; --foreground: children of COMMAND are not timed out',
      'coreutils src/timeout.c: setpgid(0,0) at start; cleanup() sends the signal to the child, then kill(0, sig) to its own group',
    ],
    procShows: 'Its parent is `timeout`, which leads the process group the target is in.',
    traceShows: 'signal_generate SIGTERM from timeout to the child, then to the group (sys_kill pid 0).',
    rules: ['parent.stopper', 'group.keeper-group'],
    watch: 'group-kill',
    remedy: 'Its end is the time limit chosen: nothing to escape; for a long-lived process drop the timeout.',
    scenarios: [
      'timeout: SIGTERM to timeout is relayed to the command',
      "`timeout N cmd &` in a step: timeout's own group, a kill of which is its keeper's stop",
      'timeout: SIGTERM to timeout reaches its own group; a server under its command’s `sh -c` dies too',
      'timeout --foreground: SIGTERM to timeout reaches only its command; a server under `sh -c` is left running',
    ],
  },
  {
    id: 'tool.daemonizers',
    family: 'tool',
    title:
      "setsid, start-stop-daemon --background and daemon(1) detach a process from its launcher's group and session",
    sources: [
      'setsid(1) (util-linux 2.38): setsid() in a fork (-f) or in place',
      'start-stop-daemon(8) (dpkg 1.21) --background: fork, setsid, fork again, chdir /, stdio on /dev/null',
      'daemon(1) (libslack 0.8): double fork; "If daemon receives a SIGTERM signal, it propagates the signal to the client and then terminates"',
    ],
    procShows:
      "pgid == sid, both leaders gone, ppid 1; start-stop-daemon leaves cwd / and fds 0-2 on /dev/null; daemon(1) stays as the client's parent.",
    traceShows: "Nothing at the step's end: the runner's group kill (sys_kill -PGID) names another group.",
    rules: [
      'group.own-group',
      'group.daemonized',
      'group.session-unowned',
      'group.daemon-group',
      'parent.reparented',
      'parent.stopper',
    ],
    watch: null,
    remedy: "Already detached: nothing to escape at a step's end; a restart policy needs a supervisor or a unit.",
    scenarios: [
      'start-stop-daemon --background: a double-forked daemon is no leftover of the step',
      "`setsid sh -c 'cmd &'`: left in a session whose leader is gone, the step's group kill misses it",
      "daemon (libslack): its client is daemonized with it, out of the step's group",
      'daemon (libslack): SIGTERM to daemon is propagated to its client',
      '`(setsid cmd &)`: no terminal at all, its own session',
      "a daemon's child: its group is the daemon's own, whose kill is that daemon's stop (by keeper), not the step's",
    ],
  },
  {
    id: 'tool.pty-keepers',
    family: 'tool',
    title: "tmux, screen, dtach and abduco keep their program's terminal past the user's; their own end hangs it up",
    sources: [
      'tmux(1) kill-server; tmux spawn.c: the pane process calls setsid() on the pane pty, whose master the server holds',
      'screen(1) "quit": kill all windows; the SCREEN server holds each window pty',
      'dtach(1) 0.9 -n; master.c init_pty(): forkpty() for the program; the master exits when the program does',
      'abduco(1): the same design (not packaged for Debian 12; recognised by name)',
      "script(1), terminal emulators: the pty master's holder; closing it hangs the terminal up",
    ],
    procShows:
      "Its controlling tty's session leader descends from a keeper with no tty (tmux: server, SCREEN, dtach -n master) that holds the pty master.",
    traceShows:
      "At the keeper's end: signal_generate SIGHUP from the kernel (tty hangup) to the session leader on that pts; none when the user's own terminal goes.",
    rules: ['hangup.multiplexer', 'parent.keeper', 'parent.holds-terminal', 'group.keeper-group'],
    watch: 'kernel-hangup',
    remedy: 'Nothing to escape: the keeper ends only when it is told to (kill-server, quit, killing the master).',
    scenarios: [
      "dtach -n: the program outlives the user's terminal hanging up",
      "dtach: the master's end hangs up the program's terminal",
      'tmux kill-server: the pane dies with its server',
      'screen quit: the window dies with its server',
      '`tmux new -d cmd`: survives the dropped connection and the shell exiting',
      'the login shell itself: session leader, its parent sshd holds the terminal',
      'mosh-server: the client disconnecting leaves its command running; the server’s end hangs the terminal up',
    ],
  },
  {
    id: 'tool.supervisors',
    family: 'tool',
    title:
      "Supervisors stop what they supervise when they are stopped (supervisord, pm2, runsv, s6-supervise); daemontools' supervise does not",
    sources: [
      'supervisord docs "Signals": SIGTERM: "supervisord and all its subprocesses will shut down"; process.py: stopsignal, SIGKILL after stopwaitsecs',
      'pm2 lib/God.js / `pm2 kill`: every app stopped (SIGINT, then SIGKILL after kill_timeout); lib/TreeKill.js',
      'runsv(8) CONTROL x: TERM then CONT to the service; runsv.c: SIGTERM acts as x',
      's6-supervise (skarnet.org): "SIGTERM: bring down the service and exit, as if s6-svc -xd"',
      'supervise(8) (daemontools 0.76): no signal handler; svc -d/-x to stop',
      "nodemon 3.1 lib/monitor/run.js: SIGTERM -> child.kill('SIGTERM'), its direct child only",
      'foreman 0.87.2 lib/foreman/engine.rb terminate_gracefully: SIGTERM to its own process group, SIGKILL after --timeout',
      'monit 5.33 libmonit Command.c Process_free(): a start program still attached and running is killed at monit’s exit',
    ],
    procShows: 'Its parent is supervisord, `PM2 vX: God Daemon`, runsv, s6-supervise or supervise.',
    traceShows: 'signal_generate SIGTERM (SIGINT for pm2) with the supervisor as sender, before the supervisor exits.',
    rules: ['parent.stopper', 'parent.reparent', 'group.keeper-group'],
    watch: 'kill',
    remedy:
      "Keep it supervised: the supervisor's own config (autorestart=true, `pm2 save && pm2 startup`, the service directory) and the supervisor itself run as a host service; never a setsid relaunch, which loses the restarts.",
    scenarios: [
      'supervisord: stopping supervisord stops its program',
      'pm2: `pm2 kill` stops its apps with the God daemon',
      'runit runsv: SIGTERM to runsv takes its service down',
      's6-supervise: SIGTERM brings the service down (as s6-svc -xd)',
      'daemontools supervise: its own end sends the service nothing; it keeps running',
      'nodemon: SIGTERM to nodemon ends the app it runs directly',
      'nodemon --exec through `sh -c`: SIGTERM to nodemon ends sh only; the command under it is left running',
      'foreman: SIGTERM to foreman ends its Procfile processes',
      'monit: a start program that stays its child is SIGKILLed when monit exits',
    ],
  },
  {
    id: 'tool.schedulers',
    family: 'tool',
    title: "cron and atd start jobs and only wait for them: a job's group is never killed",
    sources: [
      "Debian cron 3.0pl1 do_command.c child_process(): setsid() in the job's child, /bin/sh -c, output to a temp file mailed after; no kill",
      'at 3.2.5 atd.c run_file(): fork, exec /bin/sh on the job, wait, mail; no kill',
    ],
    procShows:
      "atd leads the job's group (its pgid); a cron job's leftover sits in the group and session of the job's exited child (pgid == sid, leaders gone), cwd the user's HOME.",
    traceShows: "Nothing at the job's end: no signal_generate toward the job's group.",
    rules: ['group.scheduler-job', 'group.session-gone', 'group.session-unowned', 'parent.reparented'],
    watch: null,
    remedy: "Nothing to escape at the job's end; for a server that must come back, a unit or a supervisor.",
    scenarios: [
      "an at job's background server is in atd's group, and atd never kills it",
      "a cron job's server with its output redirected: left in the session cron's child made, nobody kills it",
      "a cron job's server whose output cron mails: cron stopped too, nothing kills the job's group",
    ],
  },
  {
    id: 'tool.job-runners',
    family: 'tool',
    title: 'GNU parallel and make stop their jobs when stopped; xargs only waits',
    sources: [
      'parallel(1) --termseq (20221122): jobs get TERM,200,TERM,100,TERM,50,KILL,25 when parallel is terminated',
      'GNU make 4.3 commands.c fatal_error_signal(): running recipe children killed, targets removed',
      'xargs(1) (findutils 4.9): no TERM handler; its children are left running',
      'concurrently 9.2 kill-on-signal.js + tree-kill: SIGINT/SIGTERM/SIGHUP relayed to each command’s whole tree',
      'entr 5.3 entr.c handle_exit(): killpg of the utility’s group only with -r',
      'npm 11 @npmcli/run-script signal-manager.js: SIGINT/SIGTERM forwarded to the script’s `sh -c` only',
    ],
    procShows: 'Its parent is parallel, make or xargs.',
    traceShows: 'signal_generate SIGTERM from parallel or make to the job.',
    rules: ['parent.stopper', 'parent.reparent'],
    watch: 'kill',
    remedy: "A job runner's stop is the user's: nothing to escape; a long-lived server does not belong in a job.",
    scenarios: [
      'GNU parallel: SIGTERM to parallel sends its jobs the termseq',
      'make: SIGTERM to make kills its running recipe',
      'xargs only waits: its death leaves the command running',
      'concurrently: SIGTERM to concurrently ends its command through `sh -c` (tree-kill)',
      'entr -r: SIGTERM to entr kills the utility’s process group; a server under `sh -c` dies too',
      'entr without -r: SIGTERM to entr leaves the utility and its server running',
      'npm start: SIGTERM to npm is forwarded to its `sh -c` only; the app under it runs on',
    ],
  },
  {
    id: 'tool.container-inits',
    family: 'tool',
    title: 'Container inits relay their stop; a container stop kills its PID namespace or cgroup',
    sources: [
      'tini.c: forwards signals to the child (its process group with -g), reaps zombies, exits with the child (docker-init is tini)',
      "dumb-init README: forwards signals to the child's process group (setsid mode)",
      'catatonit README: a minimal init that forwards and reaps',
      "kernel/pid_namespace.c zap_pid_ns_processes(): the init's exit SIGKILLs the namespace",
    ],
    procShows:
      'Its parent is tini, dumb-init, catatonit or docker-init; NSpid has more than one entry from the host, or pid 1 here is a container init (seen from inside).',
    traceShows: "signal_generate SIGTERM from the init, then SIGKILL from the kernel as the namespace's init exits.",
    rules: ['parent.stopper', 'container.pid-namespace', 'container.cgroup', 'container.init'],
    watch: 'namespace-exit',
    remedy:
      "From the host, a relaunch outside the container (setsid -f or a host unit); from inside, only the container's restart policy (docker update --restart=unless-stopped ID) on its host: a relaunch inside stops with it.",
    scenarios: [
      'dumb-init: SIGTERM to the init ends its command',
      'catatonit: SIGTERM to the init ends its command',
      'tini: SIGTERM to the init ends its command',
      'its command is launched by tini, not adopted; it dies with the container, and the host remedy survives the next stop',
      'seen from inside the container: its init is a container init, and no relaunch inside is offered',
      'a process in a container runtime cgroup dies when the container is stopped (its cgroup killed)',
      'the namespace init itself (a container whose entrypoint is the app)',
      'dumb-init: SIGTERM reaches the whole process group of its command; a server under `sh -c` dies too',
      'dumb-init -c (single child): SIGTERM reaches only its child; a server under `sh -c` is left running',
      'tini -g: SIGTERM reaches its child’s process group; a server under `sh -c` dies too',
      'tini without -g: SIGTERM reaches only its child; a server under `sh -c` is left running',
      'catatonit -g: SIGTERM reaches its child’s process group; a server under `sh -c` dies too',
    ],
  },
  {
    id: 'tool.ci-runners',
    family: 'tool',
    title:
      "CI runners reap a job's processes at its end: by environment marker (GitHub, Jenkins) or by process group (GitLab)",
    sources: [
      "actions/runner: processes carrying the job's RUNNER_TRACKING_ID are killed at job end; RUNNER_TRACKING_ID= escapes",
      'Jenkins ProcessTreeKiller: BUILD_ID / JENKINS_NODE_COOKIE; dontKillMe escapes',
      'gitlab-runner shell executor: the job script in its own group (Setpgid), killed as a group',
    ],
    procShows:
      'CI marker names in /proc/PID/environ (values never read) and a runner ancestor (Runner.Worker, gitlab-runner, a Jenkins agent).',
    traceShows: 'signal_generate SIGTERM/SIGKILL from the runner to the pid (marker match) or to the group.',
    rules: [
      'ci.github-tracking-id',
      'ci.jenkins-cookie',
      'ci.gitlab-job-group',
      'ci.escaped',
      'ci.gitlab-detached',
      'ci.generic',
      'ci.none',
      'ci.init',
      'ci.unread',
    ],
    watch: 'group-kill',
    remedy:
      "The runner's escape value (RUNNER_TRACKING_ID=, BUILD_ID=dontKillMe) with setsid -f; better, a service outside the job.",
    scenarios: [
      'GitHub Actions: RUNNER_TRACKING_ID is reaped even in its own session; the empty-id escape survives',
      'Jenkins: BUILD_ID / JENKINS_NODE_COOKIE are reaped; dontKillMe survives',
      'GitLab shell executor: the job script group is killed; a new session escapes it',
      'only the generic CI=true: undecided, and it says why',
    ],
  },
  {
    id: 'tool.automation',
    family: 'tool',
    title: 'Automation tools run `bash -c` steps in a group of their own and kill that group when the step ends',
    sources: [
      'Go os/exec SysProcAttr.Setpgid (gitlab-runner, deploy tools) and node child_process spawn {detached: true} then process.kill(-pid)',
    ],
    procShows:
      "It shares its group with the step's shell, or with a program the shell exec'd, or stays in the group of a step shell that has exited.",
    traceShows: 'signal_generate from the tool with a negative pid (sys_kill -PGID): SIGTERM, a grace period, SIGKILL.',
    rules: ['group.shares-with-runner', 'group.leader-gone', 'group.member', 'group.unread', 'group.none'],
    watch: 'group-kill',
    remedy: "Leave the step's group: setsid -f (logs appended), or a transient unit.",
    scenarios: [
      'the seed: `nohup cmd &` in a step that exits; the tool kills the step group at its end and it dies',
      'a step that waits: it shares the group with the live runner shell; the shell exiting alone leaves it',
      'a step whose shell execs its last command: the leftover is a member of a group led by another program',
    ],
  },
  {
    id: 'tool.systemd-service',
    family: 'tool',
    title:
      "systemd stops a service's processes as its KillMode says when the unit stops; the manager itself does not exit",
    sources: [
      "systemd.kill(5) KillMode=: control-group (default) signals every process of the unit's cgroup, mixed the main process first, process only the main one",
      'systemd src/core/unit.c unit_kill_context(): SIGTERM (KillSignal=), then SIGKILL after TimeoutStopSec=',
      'systemd src/core/service.c service_sigchld_event(): the main process exiting ends a simple/exec/notify service, and service_enter_signal() stops what is left of its cgroup as KillMode says',
    ],
    procShows:
      "ppid 1 is systemd and /proc/PID/cgroup names a system.slice/NAME.service (or a transient run-*.service); a child's parent is the unit's MainPID (systemctl show), and the unit's KillMode says what the main process's exit does to it.",
    traceShows: "signal_generate SIGTERM then SIGKILL from systemd (pid 1) to each process of the unit's cgroup.",
    rules: ['parent.service-manager', 'parent.unit-main', 'parent.unit-main-leaves'],
    watch: 'kill',
    remedy: "Already a unit: Restart= keeps it running; stopping the unit is the user's choice.",
    scenarios: [
      'a live service is ok, names its unit, Restart=, KillMode=, MemoryMax= and that it is the main process started by PID 1',
      'a systemd-run transient unit is ok and names its unit',
      "a service's child dies with its main process as KillMode says (control-group, mixed); KillMode=process leaves it",
    ],
  },
  {
    id: 'tool.systemd-logind',
    family: 'tool',
    title:
      "logind stops a login session's scope at logout (KillUserProcesses); the user manager stops unless the user lingers",
    sources: [
      "logind.conf(5) KillUserProcesses= (compiled-in default yes upstream, no in Debian's build)",
      'systemd src/login/logind-session.c session_stop(): the scope unit is stopped, its cgroup killed',
      'user@.service(5), loginctl(1) enable-linger: the user manager outlives the last logout only when lingering',
    ],
    procShows: '/proc/PID/cgroup names session-N.scope or user@UID.service; /var/lib/systemd/linger/USER.',
    traceShows: "signal_generate SIGTERM then SIGKILL from systemd (pid 1) to every process of the scope's cgroup.",
    rules: [
      'session.kill-user-processes',
      'session.kept-at-logout',
      'session.kill-user-processes-unset',
      'session.user-manager-lingering',
      'session.user-manager',
      'session.user-manager-unread',
      'session.outside',
      'session.unread',
    ],
    watch: 'kill',
    remedy: "A unit outside the session: systemd-run (as the process's user), or lingering for a user unit.",
    scenarios: [
      'a nohup process in an ssh session with KillUserProcesses=yes: at-risk at session end, citing the drop-in',
      'the first remedy whydied printed survives the next logout, and is no longer at risk for it',
      'loginctl enable-linger + systemd-run --user survives logout; without linger it does not',
    ],
  },
  {
    id: 'tool.language-runtimes',
    family: 'tool',
    title:
      "Language runtimes' spawn defaults: a child's stdio (inherited, a pipe, a socketpair) and IPC channel decide whether its parent's death ends it",
    sources: [
      'Python 3 Lib/subprocess.py Popen: stdin/stdout/stderr None inherit the parent’s fds; PIPE makes an os.pipe() whose read end the parent keeps; start_new_session only calls setsid()',
      'libuv src/unix/process.c uv_spawn: Node child_process.spawn stdio "pipe" (the default) is a socketpair; detached: true is setsid() only; "ignore" opens /dev/null',
      'Node lib/internal/child_process.js: fork() adds an IPC socketpair and NODE_CHANNEL_FD; lib/internal/cluster/primary.js sets NODE_UNIQUE_ID; lib/internal/cluster/child.js exits a worker whose channel disconnects',
      'perlfunc open "-|": a pipe from the child’s stdout to the parent; Ruby IO.popen: the same',
      'OpenJDK java.lang.ProcessBuilder: Redirect.PIPE (the default) for all three; the JVM’s exit destroys no child (Process has no parent-death tie)',
      'Go os/exec Cmd: a nil Stdout/Stderr is /dev/null (os.DevNull); SysProcAttr.Setpgid/Setsid/Pdeathsig opt in',
    ],
    procShows:
      'fd 1/2 `pipe:[N]` or `socket:[N]` whose other end only the parent holds (pipe holders with fdinfo flags; a UNIX socket’s peer from sock_diag); for Node, NODE_CHANNEL_FD (and NODE_UNIQUE_ID for a cluster worker) in the environment and a socket past fd 2 whose peer only the parent holds.',
    traceShows:
      'signal_generate SIGPIPE from the child to itself at its next write after the parent’s exit; a cluster worker’s own exit(0) at the disconnect (sched_process_exit, no signal).',
    rules: ['parent.cluster-worker'],
    watch: null,
    remedy:
      'Spawn with stdio to a file or /dev/null (Popen(stdout=f), spawn(..., {stdio: "ignore"}), Redirect.to(file)) and detached, or relaunch it detached with its output to a log (setsid -f CMD </dev/null >>log 2>&1).',
    scenarios: [
      'Python subprocess.Popen default: the child inherits its parent’s stdio (a log file); the parent’s death leaves it running',
      'Python Popen(stdout=PIPE, start_new_session=True): a session of its own does not save it; the parent’s death kills it at its next write',
      'Node spawn {detached: true} with default stdio: detached, yet its socketpair stdio kills it at its next write when the parent dies',
      'Node spawn {detached: true, stdio: "ignore"}: nothing ties it to the parent; the parent’s death leaves it running',
      'Perl open(FH, "-|"): the parent reads its output pipe; the parent’s death kills it at its next write',
      'Ruby IO.popen: the parent holds the read end of its pipe; the parent’s death kills it at its next write',
      'Java ProcessBuilder default pipes: the JVM exits at SIGTERM without touching its child, which dies at its next write',
      'Node cluster worker: the primary’s death disconnects its IPC channel and the worker exits',
      'Node child_process.fork without a disconnect handler: the parent’s death closes the channel and leaves it running',
      'nohup under a Python pipe: nohup ignores SIGHUP only and keeps the pipe (not a terminal); the parent’s death still kills it at its next write',
    ],
  },
];
