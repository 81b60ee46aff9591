import type { Mechanism } from './types';

/**
 * The kernel's own mechanisms (tty hangup, orphaned groups, namespaces, pdeathsig, SIGPIPE, OOM, cgroups),
 * each read from the kernel's source (torvalds/linux, v6.x; file and function named) and made to happen by
 * a reality scenario (test/reality/mechanisms-*.test.ts, containers-memory.test.ts).
 */
export const kernelMechanisms: readonly Mechanism[] = [
  {
    id: 'kernel.tty-hangup',
    family: 'kernel',
    title: 'Terminal hangup: the pty master closes and the session leader gets SIGHUP+SIGCONT',
    sources: [
      'drivers/tty/pty.c pty_close: closing the last master hangs up the slave (tty_vhangup)',
      'drivers/tty/tty_io.c __tty_hangup -> tty_signal_session_leader: SIGHUP then SIGCONT (SEND_SIG_PRIV) to the session leader only, every session member loses the controlling tty',
      'drivers/tty/pty.c pty_show_fdinfo: `tty-index:` of a master fd in /proc/PID/fdinfo (Linux 4.19+)',
      'fs/devpts/inode.c devpts_pty_kill: the pts node is removed, so fds on it read `/dev/pts/N (deleted)`; tty_io.c hung_up_tty_write returns EIO',
    ],
    procShows:
      'stat tty_nr and session: it leads the session of a pts; the process with /dev/ptmx open whose fdinfo says `tty-index: N` holds the master (sshd, a terminal emulator: the connection; a daemon in a session of its own — tmux, screen, dtach, abduco — a keeper the hangup does not reach). After a hangup: fds `/dev/pts/N (deleted)`, tty_nr 0.',
    traceShows:
      'signal_generate SIGHUP then SIGCONT, code SI_KERNEL (128), to the session leader, in the context of the task that closed the master (sshd, the emulator, the keeper ending)',
    rules: [
      'hangup.unread',
      'hangup.session-leader',
      'hangup.multiplexer',
      'hangup.writes-to-terminal',
      'hangup.no-tty',
      'hangup.not-a-job',
      'hangup.sighup-caught',
      'parent.holds-terminal',
      'parent.keeper-job',
    ],
    watch: 'kernel-hangup',
    remedy:
      'Relaunch it detached (setsid -f, stdin from /dev/null, output to a log) or under a keeper (tmux new -d) or a unit: nothing then holds it to that terminal.',
    scenarios: [
      'tty hangup: the session leader of a pty gets SIGHUP+SIGCONT when the master closes; relaunched detached it stays',
      'a keeper by what it does: dtach holds the pty master, the user hangup does not reach its program; the keeper ending does',
      '`setsid writer &` left writing to a hung-up terminal: unknown (EIO, the program decides), its fds are a hung-up terminal, not a deleted file',
      'a background job in a tmux pane: its keeper’s end (kill-server) ends it through the shell’s forwarded SIGHUP; `exit` in the pane does not',
    ],
  },
  {
    id: 'kernel.session-leader-exit',
    family: 'kernel',
    title: "The controlling process exits: the kernel SIGHUPs the terminal's foreground group",
    sources: [
      'kernel/exit.c do_exit -> disassociate_ctty(1) for a session leader',
      'drivers/tty/tty_jobctrl.c disassociate_ctty: on a pty, kill_pgrp(tty_pgrp, SIGHUP, 1) to the foreground group (no SIGCONT); other ttys are hung up whole (tty_vhangup_session)',
    ],
    procShows:
      'stat tpgid == pgrp (it is in the foreground group) and its session leader is the controlling process of that terminal',
    traceShows:
      'signal_generate SIGHUP, SI_KERNEL, grp=1, in the context of the exiting session leader, with no SIGCONT after it',
    rules: ['parent.controlling-foreground', 'hangup.foreground'],
    watch: 'session-leader-exit',
    remedy: 'Relaunch it out of the foreground group and off the terminal (setsid -f … </dev/null >>log 2>&1).',
    scenarios: ['session-leader exit: the controlling process dies and the kernel SIGHUPs the foreground group'],
  },
  {
    id: 'kernel.terminal-keys',
    family: 'kernel',
    title: "The terminal's interrupt, quit and suspend keys reach the foreground group (SIGINT, SIGQUIT, SIGTSTP)",
    sources: [
      'drivers/tty/n_tty.c n_tty_receive_char_special -> n_tty_receive_signal_char -> isig -> __isig: kill_pgrp(tty->ctrl.pgrp, sig, 1) for VINTR, VQUIT, VSUSP',
    ],
    procShows: 'stat tpgid == pgrp: it is in the foreground process group of its terminal',
    traceShows:
      "signal_generate SIGINT/SIGQUIT (SIGTSTP stops), SI_KERNEL, grp=1, in the context of the tty's input worker (a kworker) or the writer of the master",
    rules: ['hangup.foreground'],
    watch: 'terminal-key',
    remedy:
      'Run it in the background off the terminal (setsid -f … </dev/null >>log 2>&1): keys reach only the foreground group.',
    scenarios: [
      'terminal key %s: the tty layer signals the foreground group; relaunched detached the key does not reach it',
    ],
  },
  {
    id: 'kernel.orphaned-group',
    family: 'kernel',
    title: 'A process group orphaned with a stopped member gets SIGHUP then SIGCONT',
    sources: [
      'kernel/exit.c kill_orphaned_pgrp (from exit_notify and forget_original_parent -> reparent_leader): will_become_orphaned_pgrp && has_stopped_jobs -> __kill_pgrp_info(SIGHUP), then SIGCONT',
      'POSIX XBD 3.265 Orphaned Process Group; bash jobs.c: stopped jobs get SIGTERM+SIGCONT from an exiting interactive shell',
      'drivers/tty/tty_jobctrl.c __tty_check_change: a background group reading its terminal, or writing it with TOSTOP set, gets SIGTTIN/SIGTTOU (a stop), and EIO instead once its group is orphaned (is_current_pgrp_orphaned)',
    ],
    procShows:
      'stat state T in its group; its parent is in another group of the same session and is the only such tie of the group (every member whose parent is outside the group is that parent’s child)',
    traceShows:
      'signal_generate SIGHUP then SIGCONT, SI_KERNEL, grp=1, in the context of the exiting parent, to every member of the group',
    rules: [
      'parent.orphans-stopped-group',
      'parent.orphans-stopped-group-handled',
      'parent.stopped-job',
      'parent.stopped-job-continued',
      'parent.stopped-job-handled',
      'hangup.stopped',
    ],
    watch: 'orphaned-group',
    remedy:
      'Continue it (kill -CONT) or relaunch it in a session of its own (setsid -f): a group with no tie is never orphaned later.',
    scenarios: [
      'orphaned process group: its parent was the group’s only tie to the session and it is stopped; SIGHUP+SIGCONT at the parent’s exit',
      'orphaned stopped group whose member catches SIGHUP: the kernel’s SIGHUP+SIGCONT runs its handler, the program decides',
      'a background job writing with `stty tostop` is stopped by SIGTTOU, one reading by SIGTTIN; killed, their shell leaves a stopped orphaned group the kernel SIGHUPs',
      'stopped jobs whose shell exits: the one ignoring SIGTERM is resumed by the SIGCONT and runs on; the one catching it runs its handler',
    ],
  },
  {
    id: 'kernel.pid-namespace-teardown',
    family: 'kernel',
    title: 'The init of a PID namespace exits: the kernel SIGKILLs every other process in it',
    sources: [
      'kernel/pid_namespace.c zap_pid_ns_processes: group_send_sig_info(SIGKILL, SEND_SIG_PRIV) to every task of the namespace, from the exiting init (kernel/exit.c find_child_reaper)',
    ],
    procShows:
      'status NSpid has more than one entry; its parent’s last NSpid entry is 1 (its parent is the namespace init) or the init is an ancestor',
    traceShows: 'signal_generate SIGKILL, SI_KERNEL, in the context of the exiting namespace init',
    rules: ['parent.namespace-init', 'container.unread', 'container.pid-namespace', 'container.host'],
    watch: 'namespace-exit',
    remedy:
      'Run it outside the namespace (a host unit or a process started on the host), or as the container’s own service under its restart policy.',
    scenarios: [
      'PID namespace: its parent is the namespace init; when it exits the kernel SIGKILLs the namespace',
      'PID namespace: a grandchild of the init survives its own parent’s exit (reparented to the init), then dies with the namespace',
      'a process in its own PID namespace dies when the namespace init exits; relaunched on the host it stays',
    ],
  },
  {
    id: 'kernel.parent-death-signal',
    family: 'kernel',
    title: 'Parent-death signal: prctl(PR_SET_PDEATHSIG) asks for a signal when the parent (thread) exits',
    sources: [
      'kernel/exit.c forget_original_parent: for each child thread with pdeath_signal, group_send_sig_info(pdeath_signal, SEND_SIG_NOINFO)',
      'kernel/sys.c prctl PR_SET_PDEATHSIG / PR_GET_PDEATHSIG (the caller only); util-linux setpriv --pdeathsig',
    ],
    procShows:
      'nothing: pdeath_signal is in no /proc file (PR_GET_PDEATHSIG answers only the process itself), so the parent-exit row names it as unseen',
    traceShows:
      'signal_generate of the chosen signal, SI_USER, grp=1, from the exiting parent’s thread, with no kill/tgkill/pidfd_send_signal syscall behind it',
    rules: ['parent.unread', 'parent.service-manager', 'parent.reparent'],
    watch: 'parent-death-signal',
    remedy:
      'Relaunch it without the wrapper that set it (setsid -f CMD): a new process starts with no parent-death signal.',
    scenarios: [
      'parent-death signal (setpriv --pdeathsig): invisible in /proc, the row says so; watch names it; relaunched without it, it stays',
    ],
  },
  {
    id: 'kernel.sigpipe',
    family: 'kernel',
    title: 'SIGPIPE/EPIPE: a write to a pipe or socket whose reader has gone',
    sources: [
      'fs/pipe.c pipe_write: no readers -> send_sig(SIGPIPE, current, 0), -EPIPE',
      'net/unix/af_unix.c unix_stream_sendmsg: peer shut down -> SIGPIPE unless MSG_NOSIGNAL, -EPIPE',
      'status SigIgn/SigBlk/SigCgt bit 13: ignored or handled -> only EPIPE, the program decides',
    ],
    procShows:
      'fd 1/2 `pipe:[N]`: the other holders of N with their fdinfo flags (readers); SigIgn/SigCgt/SigBlk for SIGPIPE',
    traceShows: 'signal_generate SIGPIPE, SI_USER, grp=0, sent by the writer to itself, with no kill syscall',
    rules: [
      'parent.stdio-peer',
      'parent.stdio-peer-handled',
      'hangup.pipe-reader-foreground',
      'hangup.pipe-reader-job',
    ],
    watch: 'broken-pipe',
    remedy: 'Relaunch it with its output to a log file (setsid -f CMD </dev/null >>log 2>&1): no reader can go away.',
    scenarios: [
      'SIGPIPE: its stdout pipe is read only by its parent; the parent exits and its next write kills it',
      'socketpair stdio with SIGPIPE ignored: EPIPE, the program decides (unknown, saying so); this one exits on it',
    ],
  },
  {
    id: 'kernel.socketpair-stdio',
    family: 'kernel',
    title: 'Socketpair stdio of a dead parent (Node’s default spawn): the child dies at its next write',
    sources: [
      'libuv src/unix/process.c uv_spawn: stdio "pipe" is a socketpair(AF_UNIX, SOCK_STREAM); Node child_process.spawn default stdio',
      'net/unix/diag.c sk_diag_dump_peer (UNIX_DIAG_PEER): the peer inode, as `ss -x` prints it',
      'net/unix/af_unix.c unix_stream_sendmsg: SIGPIPE and -EPIPE once the peer is gone',
    ],
    procShows:
      'fd 1/2 `socket:[N]`; sock_diag gives N’s peer inode, and the fd scan finds that inode held only by its parent',
    traceShows: 'signal_generate SIGPIPE, SI_USER, grp=0, from the writer itself, no kill syscall',
    rules: ['parent.stdio-peer', 'parent.stdio-peer-handled'],
    watch: 'broken-pipe',
    remedy: 'Spawn it with stdio to a file or "ignore" (or relaunch: setsid -f CMD </dev/null >>log 2>&1).',
    scenarios: [
      'socketpair stdio (Node’s default spawn): the parent dies, the child dies at its next write (SIGPIPE from the socket)',
    ],
  },
  {
    id: 'kernel.oom-killer',
    family: 'kernel',
    title: 'The OOM killer (global or a memory cgroup’s) picks it and sends SIGKILL',
    sources: [
      'mm/oom_kill.c out_of_memory -> select_bad_process (oom_badness: rss + swap + page tables, plus oom_score_adj) -> oom_kill_process -> __oom_kill_process: do_send_sig_info(SIGKILL, SEND_SIG_PRIV), mark_oom_victim',
      'mm/memcontrol.c mem_cgroup_out_of_memory: the same, among the cgroup’s members',
    ],
    procShows: '/proc/PID/oom_score and oom_score_adj; its memory cgroup’s limit and usage',
    traceShows:
      'oom/mark_victim for its pid, then signal_generate SIGKILL, SI_KERNEL, in the allocating task’s context',
    // memory.high throttling and systemd-oomd (cgroup v2) are the pressure before or instead of the kill.
    rules: [
      'memory.unread',
      'memory.majority',
      'memory.oom-protected',
      'memory.minority',
      'memory.high-throttled',
      'memory.oomd-pressure',
      'memory.oomd-swap',
    ],
    watch: 'oom-kill',
    remedy:
      'Raise the cgroup’s limit (memory.max / memory.limit_in_bytes) or lower its usage; oom_score_adj -1000 exempts it.',
    scenarios: ['holding most of the limit: the OOM killer picks it; raising the limit as printed keeps it alive'],
  },
  {
    id: 'kernel.cgroup-kill',
    family: 'kernel',
    title: 'cgroup.kill: writing 1 SIGKILLs every process of a cgroup v2',
    sources: [
      'kernel/cgroup/cgroup.c cgroup_kill_write -> cgroup_kill -> __cgroup_kill: send_sig(SIGKILL, task, 0) to every process (Linux 5.14+)',
      'systemd (KillMode, unit stop) and container runtimes use it on cgroup v2',
    ],
    procShows: '/proc/PID/cgroup: the `0::` path whose cgroup.kill ends it (a unit, a container, a scope)',
    traceShows:
      'signal_generate SIGKILL, SI_USER, grp=0, with the writer as the sender — but no kill, tgkill or pidfd_send_signal syscall was made',
    rules: [],
    watch: 'cgroup-kill',
    remedy: 'Run it outside that cgroup: relaunched from a shell in another cgroup, or as a unit of its own.',
    scenarios: [
      'cgroup.kill: every member SIGKILLed by the kernel on the writer’s behalf; relaunched outside that cgroup it stays',
    ],
  },
  {
    id: 'kernel.fault',
    family: 'kernel',
    title: 'A CPU fault in the process itself: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP from the kernel',
    sources: [
      'arch/x86/mm/fault.c do_user_addr_fault -> bad_area -> force_sig_fault(SIGSEGV, SEGV_MAPERR/SEGV_ACCERR); show_signal_msg prints the `segfault at` line',
      'arch/x86/kernel/traps.c do_trap / do_error_trap (SIGILL, SIGFPE, SIGBUS, SIGTRAP)',
    ],
    procShows: 'nothing before: a bug in the program (the kernel log and core dumps tell after)',
    traceShows:
      'signal_generate SIGSEGV (or another fault signal) with a positive si_code, from the faulting task to itself',
    rules: [],
    watch: 'fault',
    remedy: 'Nothing relaunches it safely: fix the program (the kernel log line and a core dump locate the fault).',
    scenarios: ['a CPU fault: SIGSEGV from the kernel for the process’s own bad access'],
  },
  {
    id: 'kernel.signal-disposition',
    family: 'kernel',
    title:
      'A catchable signal (a group kill’s SIGTERM, a hangup’s SIGHUP) meets its disposition: ignored it is discarded, caught it runs the program’s handler; only SIGKILL is neither',
    sources: [
      'kernel/signal.c prepare_signal -> sig_ignored: a signal whose handler is SIG_IGN is dropped when sent; get_signal runs a handler (SA_HANDLER) instead of the default action; do_sigaction refuses SIGKILL and SIGSTOP (sig_kernel_only)',
      'kernel/signal.c sig_task_ignored: a namespace init (SIGNAL_UNKILLABLE) also drops a default-action signal, except SIGKILL/SIGSTOP from an ancestor namespace',
      'fs/proc/array.c render_sigset_t: SigIgn and SigCgt in /proc/PID/status',
      'POSIX exec: SIG_IGN survives exec, a handler is reset to SIG_DFL (so `trap "" TERM; exec cmd` and nohup carry over)',
    ],
    procShows:
      'status SigIgn / SigCgt bit 15 (SIGTERM) and bit 1 (SIGHUP): ignored, caught or default; whether the killer follows with SIGKILL is in no /proc file',
    traceShows:
      'signal_generate of SIGTERM/SIGHUP with result 1 (ignored) for an ignored signal, and no sched_process_exit; a caught one is delivered (signal_deliver with the handler) and the program then exits or not',
    rules: [
      'group.sigterm-ignored',
      'group.sigterm-caught',
      'parent.stopped-job-continued',
      'parent.stopped-job-handled',
      'parent.orphans-stopped-group-handled',
      'hangup.sighup-caught',
    ],
    watch: null,
    remedy:
      'None needed for an ignored signal while the killer sends only it; against killers that follow with SIGKILL (runners, systemd, container stops) only leaving their reach helps (setsid -f, a unit of its own).',
    scenarios: [
      'a step leftover that ignores SIGTERM: the group kill’s SIGTERM leaves it running, the SIGKILL after it does not',
      'a step leftover that catches SIGTERM: its handler decides, and this one exits at the group kill',
      'stopped jobs whose shell exits: the one ignoring SIGTERM is resumed by the SIGCONT and runs on; the one catching it runs its handler',
    ],
  },
  {
    id: 'kernel.kill-broadcast',
    family: 'kernel',
    title: 'kill(-1): a signal to every process the sender may signal (shutdown scripts, a stray `kill -9 -1`)',
    sources: [
      'kernel/signal.c kill_something_info: pid == -1 signals every process except init and the sender (in the sender’s PID namespace)',
    ],
    procShows: 'nothing: any process the sender’s uid may signal is reachable (same uid, or root)',
    traceShows: 'syscalls sys_enter_kill(pid: -1) by the sender, then signal_generate to each victim, SI_USER',
    rules: [],
    watch: 'broadcast',
    remedy: 'Run it as another user than the one issuing kill -1, or in a PID namespace of its own.',
    scenarios: ['kill -1 broadcast: every process the sender may signal (inside a PID namespace of its own)'],
  },
  {
    id: 'kernel.rlimit',
    family: 'kernel',
    title: 'A resource limit reached: RLIMIT_CPU’s SIGXCPU (SIGKILL at the hard limit), RLIMIT_FSIZE’s SIGXFSZ',
    sources: [
      'kernel/time/posix-cpu-timers.c check_process_timers -> check_rlimit: SIGXCPU at the soft limit, SIGKILL at the hard one',
      'mm/filemap.c generic_write_check_limits: send_sig(SIGXFSZ, current, 0) for a write past RLIMIT_FSIZE (SI_USER from the process itself, no kill call; EFBIG when the signal is ignored or caught)',
      'RLIMIT_NOFILE and RLIMIT_NPROC send nothing: open() fails with EMFILE, fork() with EAGAIN (fs/file.c alloc_fd, kernel/fork.c copy_process), and the program decides',
      'kernel/time/posix-cpu-timers.c check_thread_timers: RLIMIT_RTTIME for a SCHED_FIFO/RR thread, rt.timeout ticks run without blocking (kernel/sched/rt.c watchdog): SIGXCPU every second past the soft limit, SIGKILL past the hard one',
      'RLIMIT_AS/DATA: mmap/brk fail with ENOMEM (mm/mmap.c may_expand_vm); RLIMIT_STACK: a stack growing past it faults (mm/mmap.c acct_stack_growth -> SIGSEGV), a runaway recursion, not an event to predict',
      'fs/proc/base.c proc_pid_limits: /proc/PID/limits, soft and hard per limit, world-readable',
    ],
    procShows:
      '/proc/PID/limits: Max cpu time, Max file size (the soft limit acts); stat utime+stime is the CPU time used so far',
    traceShows:
      'signal_generate SIGXCPU (or SIGKILL at the hard limit), SI_KERNEL, from the process itself; SIGXFSZ with SI_USER from itself and no sys_enter_kill',
    rules: [
      'limit.unread',
      'limit.cpu-near',
      'limit.fsize-near',
      'limit.rttime',
      'limit.cpu-set',
      'limit.fsize-set',
      'limit.handled',
      'limit.none',
    ],
    watch: 'kernel',
    remedy:
      'Raise the running process’s limit: `prlimit --pid PID --cpu=unlimited` (or --fsize, --rttime; a finite hard limit needs root), or relaunch with `ulimit -t unlimited`.',
    scenarios: [
      'a resource limit: RLIMIT_CPU’s SIGXCPU from the kernel; with the limit raised it runs on',
      'a resource limit: RLIMIT_FSIZE’s SIGXFSZ for a write past the file-size limit, named with the limit',
      'RLIMIT_NOFILE is no death: open() fails with EMFILE and the program decides (this one exits 3)',
      'prlimit --cpu=S:H on a CPU burner: warned before (limit.cpu-near), SIGXCPU at S as predicted',
      'prlimit --cpu=S:H with SIGXCPU ignored: SIGKILL at the hard limit H as predicted',
      'the raise-limit remedy pasted: prlimit --pid N --cpu=unlimited, and the burner runs past its old limit',
      'ulimit -f writer: warned while its file nears the limit (limit.fsize-near), SIGXFSZ at the next write past it',
      'ulimit -f writer far from the limit: limit.fsize-set, and a write past it still ends it with SIGXFSZ',
      'ulimit -f with SIGXFSZ ignored: the write fails with EFBIG, no death (limit.handled)',
      'no limit set: limit.none',
      'RLIMIT_CPU set on an idle process, soft = hard as ulimit -t sets it: limit.cpu-set, SIGKILL (not SIGXCPU) when it gets there',
      'a SCHED_FIFO spinner with RLIMIT_RTTIME: limit.rttime, SIGXCPU when it runs unblocked past the limit',
      'a process catching SIGXCPU with no hard limit: limit.handled, its handler decides',
    ],
  },
  {
    id: 'kernel.ptrace-exitkill',
    family: 'kernel',
    title:
      'Its ptrace tracer exits: with PTRACE_O_EXITKILL (gdb’s run) the kernel SIGKILLs it; strace passes on its own fatal signal',
    sources: [
      'kernel/ptrace.c exit_ptrace -> __ptrace_detach: a tracee with PT_EXITKILL gets send_sig_info(SIGKILL, SEND_SIG_PRIV) as its tracer exits; without it, it is detached and runs on',
      'gdb 13 gdb/nat/linux-ptrace.c linux_enable_event_reporting: PTRACE_O_EXITKILL for inferiors gdb started (not for ones it attached to)',
      'strace 6.1 strace.c cleanup(): the program strace started (strace_child) gets strace’s own fatal signal; strace(1) -I: "3, never: fatal signals are always blocked (default if -o FILE PROG)"',
      'fs/proc/array.c task_state: TracerPid in /proc/PID/status',
    ],
    procShows:
      'status TracerPid: its tracer’s pid; when that is its parent, the tracer started it (gdb run, strace PROG); the tracer’s argv (-o FILE) tells whether strace blocks fatal signals. PTRACE_O_EXITKILL itself is in no /proc file.',
    traceShows:
      'gdb: signal_generate SIGKILL, SI_KERNEL, in the exiting tracer’s context, no kill syscall; strace: sys_enter_kill from strace with its own fatal signal, then signal_generate',
    rules: ['parent.tracer', 'parent.tracer-detaches'],
    watch: 'tracer-exit',
    remedy:
      'Run it outside the debugger or tracer (setsid -f CMD </dev/null >>log 2>&1), and attach later (gdb -p, strace -p): an attached tracer only detaches at its end.',
    scenarios: [
      'gdb run: the debugger set PTRACE_O_EXITKILL; SIGKILL to gdb kills the program it started (the kernel, from exit_ptrace); relaunched outside gdb it stays',
      'strace PROG: SIGTERM to strace is passed to the program it started',
      'strace -o FILE PROG: fatal signals are blocked, and its SIGKILL only detaches: the program runs on',
    ],
  },
  {
    id: 'kernel.seccomp',
    family: 'kernel',
    title: 'A seccomp filter forbids a system call it makes: SIGSYS from the kernel (the process’s own sandbox)',
    sources: [
      'kernel/seccomp.c __seccomp_filter: SECCOMP_RET_KILL_PROCESS/KILL_THREAD and SECCOMP_RET_TRAP -> force_sig_seccomp: SIGSYS with si_code SYS_SECCOMP to the caller',
      'fs/proc/array.c task_seccomp: `Seccomp:` (0 none, 1 strict, 2 filter) and `Seccomp_filters:` in /proc/PID/status',
      'systemd.exec(5) SystemCallFilter=: a listed call kills the process with SIGSYS unless SystemCallErrorNumber= is set',
    ],
    procShows:
      'status `Seccomp: 2` and `Seccomp_filters: N`: a filter is installed (a unit’s SystemCallFilter=, a container profile, the program’s own sandbox); which calls it forbids is not in /proc',
    traceShows: 'signal_generate SIGSYS with code 1 (SYS_SECCOMP) from the process to itself, no kill syscall',
    rules: [],
    watch: 'seccomp',
    remedy:
      'Nothing relaunches it safely: allow the call in the filter that forbids it (SystemCallFilter=, the container’s seccomp profile) or fix the program.',
    scenarios: [
      'seccomp: a forbidden system call ends it with SIGSYS from the kernel; /proc showed the filter, watch names it',
    ],
  },
];
