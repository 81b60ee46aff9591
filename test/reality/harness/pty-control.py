# A terminal with a control channel, for test/reality/harness/local-shell.ts.
# Runs argv[1:] (an interactive bash) as session leader on a new pty; forwards our stdin to the pty master and
# the master's output to our stdout. EOF on stdin means "hang up": we close the master, so the kernel hangs up
# the terminal (SIGHUP to the session leader), exactly as sshd does when a connection drops. When the shell
# exits by itself we close the master too (as sshd does) and exit.
import os, pty, select, sys

argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)

stdin = sys.stdin.fileno()
stdout = sys.stdout.fileno()
reading_stdin = True
shell_status = None
while True:
    fds = [fd] + ([stdin] if reading_stdin else [])
    ready, _, _ = select.select(fds, [], [], 0.05)
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if data:
            os.write(stdout, data)
    if reading_stdin and stdin in ready:
        data = os.read(stdin, 65536)
        if not data:
            break  # hang up
        os.write(fd, data)
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        shell_status = status
        break

os.close(fd)
if shell_status is None:
    # The hangup reaches the shell as SIGHUP; reap it so its exit is observable as "gone", not a zombie.
    os.waitpid(pid, 0)
