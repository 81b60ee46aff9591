/**
 * What each classic signal does by default and who usually sends it: the knowledge `whydied explain`
 * prints. Sources: signal(7), the kernel's OOM killer and fault handlers, shells, systemd, CI runners.
 */
export interface SignalInfo {
  /** signal(7) default action. */
  action: 'terminate' | 'core' | 'ignore' | 'stop' | 'continue';
  meaning: string;
  causes: string[];
}

export const SIGNAL_INFO: Readonly<Record<string, SignalInfo>> = {
  SIGHUP: {
    action: 'terminate',
    meaning: 'hangup: the controlling terminal went away, or a daemon is asked to reload',
    causes: [
      'an SSH session or terminal closed while the process was a job of its shell (no nohup, setsid or disown)',
      'the session leader (the login shell) exited and the kernel hung up its terminal',
      'kill -HUP from a supervisor asking a daemon to reload its configuration',
    ],
  },
  SIGINT: {
    action: 'terminate',
    meaning: 'interrupt from the keyboard (Ctrl-C)',
    causes: [
      'Ctrl-C in the terminal whose foreground group it was in',
      'a supervisor or test harness sending SIGINT to stop it',
    ],
  },
  SIGQUIT: {
    action: 'core',
    meaning: 'quit from the keyboard (Ctrl-\\), with a core dump',
    causes: ['Ctrl-\\ in its terminal', 'a JVM thread dump request (kill -3)'],
  },
  SIGILL: {
    action: 'core',
    meaning: 'illegal instruction',
    causes: [
      'a binary built for a newer CPU',
      'a deliberate trap (ud2 / __builtin_trap) on a failed assertion',
      'memory corruption jumping into data',
    ],
  },
  SIGTRAP: {
    action: 'core',
    meaning: 'trace or breakpoint trap',
    causes: ['a debugger breakpoint without a debugger', 'int3 / __builtin_debugtrap in the code'],
  },
  SIGABRT: {
    action: 'core',
    meaning: 'abort(): the program stopped itself',
    causes: [
      'a failed assert()',
      'glibc detecting heap corruption (double free, corrupted size)',
      'an uncaught C++ exception (std::terminate)',
    ],
  },
  SIGBUS: {
    action: 'core',
    meaning: 'bus error: a bad memory access',
    causes: [
      'a memory-mapped file truncated while mapped',
      'unaligned access on strict architectures',
      'a full tmpfs or /dev/shm backing a mapping',
    ],
  },
  SIGFPE: {
    action: 'core',
    meaning: 'arithmetic exception',
    causes: ['integer division by zero', 'INT_MIN / -1 overflow'],
  },
  SIGKILL: {
    action: 'terminate',
    meaning: 'killed, unconditionally: it cannot be caught, blocked or ignored',
    causes: [
      'the kernel OOM killer, or a cgroup memory limit (look for "Out of memory" / "oom-kill" in dmesg)',
      'systemd stopping a unit after the TimeoutStopSec of its SIGTERM ran out, or KillMode=control-group at unit stop',
      "a CI runner or job runner killing the job's process group or process tree when the step ends",
      'a container runtime stopping the container (docker stop: SIGTERM, then SIGKILL after 10 s)',
      'kill -9 by a person or a script',
    ],
  },
  SIGUSR1: {
    action: 'terminate',
    meaning: 'user-defined signal 1',
    causes: ['a program-specific request (log rotation, status dump) sent to a program that does not handle it'],
  },
  SIGSEGV: {
    action: 'core',
    meaning: 'segmentation fault: an invalid memory access',
    causes: [
      'a NULL or dangling pointer dereference',
      'a stack overflow (deep recursion)',
      'a native extension or library bug',
    ],
  },
  SIGUSR2: {
    action: 'terminate',
    meaning: 'user-defined signal 2',
    causes: ['a program-specific request sent to a program that does not handle it'],
  },
  SIGPIPE: {
    action: 'terminate',
    meaning: 'write to a pipe or socket with no reader',
    causes: [
      'its stdout/stderr was a pipe to a process that exited (`cmd | head`, a closed SSH channel, a dead log collector)',
      'a peer closed a socket it kept writing to',
    ],
  },
  SIGALRM: {
    action: 'terminate',
    meaning: 'timer expired (alarm())',
    causes: ['its own alarm() or a `timeout`-like wrapper'],
  },
  SIGTERM: {
    action: 'terminate',
    meaning: 'polite termination request (the default of kill)',
    causes: [
      'systemd stopping its unit, or the login session scope ending (KillUserProcesses=yes)',
      'a CI runner or job runner ending the step and killing the process group (kill -- -PGID)',
      'a container stop, a shutdown, or `kill PID` by a person or script',
      'the `timeout` command reaching its limit',
    ],
  },
  SIGCHLD: { action: 'ignore', meaning: 'a child stopped or exited', causes: ['never fatal by default'] },
  SIGCONT: {
    action: 'continue',
    meaning: 'continue if stopped',
    causes: ['fg/bg in a shell, or a supervisor resuming it'],
  },
  SIGSTOP: { action: 'stop', meaning: 'stop, unconditionally', causes: ['a debugger or a supervisor freezing it'] },
  SIGTSTP: { action: 'stop', meaning: 'stop from the keyboard (Ctrl-Z)', causes: ['Ctrl-Z in its terminal'] },
  SIGTTIN: {
    action: 'stop',
    meaning: 'a background process read from its terminal',
    causes: ['a background job reading stdin from the terminal (start it with </dev/null)'],
  },
  SIGTTOU: {
    action: 'stop',
    meaning: 'a background process wrote to its terminal with tostop set',
    causes: ['a background job writing to a terminal with `stty tostop`'],
  },
  SIGXCPU: {
    action: 'core',
    meaning: 'CPU time limit exceeded (RLIMIT_CPU)',
    causes: ['ulimit -t, or a LimitCPU= in a unit'],
  },
  SIGXFSZ: {
    action: 'core',
    meaning: 'file size limit exceeded (RLIMIT_FSIZE)',
    causes: ['ulimit -f, or a LimitFSIZE= in a unit'],
  },
  SIGSYS: {
    action: 'core',
    meaning: 'bad system call',
    causes: ['a seccomp filter (systemd SystemCallFilter=, a container profile) forbidding a call'],
  },
};

/** Shell and tool conventions for exit codes below 128. */
export const EXIT_CODES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'a general error reported by the program itself (read its log)',
  2: 'misuse: bad arguments or a shell builtin usage error',
  124: '`timeout` ran out (it sent SIGTERM and the command then ended)',
  125: '`timeout`, `docker run` or `env` itself failed',
  126: 'found but not executable (permissions, noexec mount, wrong architecture)',
  127: 'command not found (PATH, a missing interpreter in #!, a missing shared library loader)',
  255: 'ssh: the connection failed, or a program exited with -1',
};
