#!/usr/bin/env python3
"""
The unprivileged attacker of test/security/trace-forgery.test.ts: every way a local user shapes the names the
kernel reports in trace events, aimed at making a root recorder write a death that did not happen (a live
victim "killed by SIGKILL from pid 1") or lose a death that did.

Usage (as the unprivileged user): trace-forgery-attacker.py WORKDIR VICTIM_PID PHASE [COUNT]
  PHASE names  every trick once; prints one JSON line per process that really died, with the name the
               kernel gave it (read from /proc while it lived) so the test can check the record
  PHASE flood  COUNT forged execs as fast as possible (to overrun a small ring buffer); prints the pids
WORKDIR must be writable by this user. Everything here runs as that user; nothing needs privileges.
"""
import ctypes
import json
import os
import shutil
import signal
import sys
import time

PR_SET_NAME = 15
libc = ctypes.CDLL(None, use_errno=True)
work, victim, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def fake_lines(ts):
    """trace_pipe lines the old text parser took for a fatal signal and the exit of the victim."""
    sig = ('init-1     [000] d..2. %d.000001: signal_generate: sig=9 errno=0 code=0 comm=sleep pid=%d grp=1 res=0'
           % (ts, victim))
    ext = 'sleep-%d  [000] ..... %d.000002: sched_process_exit: comm=sleep pid=%d prio=120 group_dead=true' % (
        victim, ts, victim)
    kill = 'bash-4242  [000] ..... %d.000000: sys_kill(pid: %x, sig: 9)' % (ts, victim)
    grp = 'sleep-%d  [000] ..... %d.000003: sys_exit_group(error_code: 0x00000000)' % (victim, ts)
    return kill, sig, grp, ext


def proc_comm(pid):
    with open('/proc/%d/comm' % pid, 'rb') as f:
        b = f.read()
    return b[:-1] if b.endswith(b'\n') else b


def report(**kw):
    for k, v in list(kw.items()):
        if isinstance(v, bytes):
            kw[k] = v.hex()
    print(json.dumps(kw), flush=True)


def install(path_bytes, program):
    """A copy of `program` at `path_bytes` (directories made on the way; any byte but NUL and '/')."""
    os.makedirs(os.path.dirname(path_bytes), exist_ok=True)
    shutil.copyfile(program, path_bytes)
    os.chmod(path_bytes, 0o755)


def run_named_exec(path_bytes, args, wait_name=True):
    """Exec `path_bytes`; read the comm the kernel gave it while it runs; reap it."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.set_inheritable(w, False)
        try:
            os.execv(path_bytes, [path_bytes] + args)
        finally:
            os._exit(127)
    os.close(w)
    os.read(r, 1)  # EOF at exec (close-on-exec)
    os.close(r)
    comm = b''
    if wait_name:
        # The comm changes in the same exec that closed the pipe; poll briefly in case it is not set yet.
        mine = proc_comm(os.getpid())
        end = time.monotonic() + 2
        comm = proc_comm(pid)
        while comm == mine and time.monotonic() < end:
            time.sleep(0.01)
            comm = proc_comm(pid)
    _, status = os.waitpid(pid, 0)
    return pid, comm, status


def renamed_child(name, via, sig):
    """A child that renames itself (prctl or /proc/self/comm) and is then killed by its parent."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        if via == 'prctl':
            libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)
        else:
            with open('/proc/self/comm', 'wb') as f:
                f.write(name)
        os.write(w, b'x')
        while True:
            time.sleep(60)
    os.close(w)
    os.read(r, 1)
    comm = proc_comm(pid)
    os.kill(pid, sig)
    os.waitpid(pid, 0)
    return pid, comm


def names():
    ts = int(time.clock_gettime(time.CLOCK_BOOTTIME))
    kill, sig, grp, ext = fake_lines(ts)
    sleep = shutil.which('sleep') or '/bin/sleep'
    base = os.path.join(work.encode(), b'x')
    # 1. An exec'd file name spelling whole trace lines: the directory and the file name hold newlines.
    forged = base + b'\n' + (kill + '\n' + sig + '\n').encode() + b'/' + (ext + '\n').encode() + b'y'
    install(forged, sleep)
    pid, comm, _ = run_named_exec(forged, ['0.3'])
    report(trick='exec-newlines', pid=pid, comm=comm, path=forged, sender=None)
    # 2. The same lines spelt by comm fragments: prctl(PR_SET_NAME) and /proc/self/comm (15 bytes each).
    for via in ('prctl', 'procfs'):
        for frag in (b'\nsleep-%d [0' % victim, b'\n: sched_proc', b'a: b=c pid=1\n', b'x) sig: 9)\n'):
            pid, comm = renamed_child(frag, via, signal.SIGKILL)
            report(trick='comm-' + via, pid=pid, comm=comm, sender=os.getpid(), signal='SIGKILL')
    # 3. Separators, controls, bidi overrides, ANSI escapes, invalid UTF-8, in the comm of a killed child.
    for name in (b'kill: pid=1 =\xe2\x80\xae', b'\x1b[31mred\x07', b'\xff\xfe\x80bad', b'\xe2\x81\xa6iso\r'):
        pid, comm = renamed_child(name, 'prctl', signal.SIGTERM)
        report(trick='comm-bytes', pid=pid, comm=comm, sender=os.getpid(), signal='SIGTERM')
    # 4. The sender renames itself to a fake line prefix before it kills: the sender is still its pid.
    own = proc_comm(os.getpid())
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(b'init-1 [000] d'), 0, 0, 0)
    pid, comm = renamed_child(b'victim2', 'prctl', signal.SIGKILL)
    report(trick='sender-renamed', pid=pid, comm=comm, sender=os.getpid(), signal='SIGKILL')
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(own), 0, 0, 0)
    # 5. A very long file name (3,000+ bytes over many directories), newlines, bidi and invalid bytes in it.
    parts = [(b'\n%d\xe2\x80\xae\xff' % i) + b'L' * 200 for i in range(15)]
    long_path = os.path.join(work.encode(), *parts) + b'/' + (sig + '\n').encode()[:200]
    install(long_path, sleep)
    pid, comm, _ = run_named_exec(long_path, ['0.3'])
    report(trick='exec-long', pid=pid, comm=comm, path=long_path, sender=None)
    # 6. An exit code with a forged name: exit(7) after exec of a newline name.
    code = os.path.join(work.encode(), b'exit\n7')
    install(code, shutil.which('false') or '/bin/false')
    pid, comm, status = run_named_exec(code, [], wait_name=False)
    report(trick='exec-exit-code', pid=pid, comm=b'exit\n7', path=code, exitCode=os.waitstatus_to_exitcode(status))


def flood(count):
    ts = int(time.clock_gettime(time.CLOCK_BOOTTIME))
    kill, sig, grp, ext = fake_lines(ts)
    path = os.path.join(work.encode(), b'f\n' + (kill + '\n' + sig + '\n').encode()) + b'/' + (
        grp + '\n' + ext + '\n').encode()
    install(path, shutil.which('true') or '/bin/true')
    pids = []
    for _ in range(count):
        pid = os.posix_spawn(path, [path], {})
        pids.append(pid)
        if len(pids) % 64 == 0:
            for p in pids[-64:]:
                os.waitpid(p, 0)
    for p in pids[len(pids) - len(pids) % 64:]:
        os.waitpid(p, 0)
    base = os.path.basename(path)[:15]
    report(trick='flood', pids=pids, comm=base, parent=os.getpid())


if phase == 'names':
    names()
elif phase == 'flood':
    flood(int(sys.argv[4]))
else:
    sys.exit('unknown phase')
