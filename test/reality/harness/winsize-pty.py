# A terminal with a window size, for full-screen clients (mosh-client asserts a non-zero height): runs argv[1:]
# as session leader on a new 24x80 pty, drains its output, and exits when it does. Killing this driver closes
# the master: the client's terminal hangs up, as when the user's terminal window closes.
import fcntl, os, pty, select, struct, sys, termios

pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
while True:
    ready, _, _ = select.select([fd], [], [], 1)
    try:
        if fd in ready and not os.read(fd, 65536):
            break
    except OSError:
        break
