# Types a partial command line into a real interactive shell on a pty and prints what the shell showed after
# Tab: test/cli/completion.test.ts drives bash, zsh and fish with it.
#   python3 completion-pty.py SHELL SETUP LINE [WAIT_FOR...]
# Output is read until every WAIT_FOR text has shown (then until quiet), at most 15 s: a loaded machine
# makes a shell slow, and a fixed pause would then cut the listing.
# SETUP runs first (loads the completion); the shell then prints a marker the test never types literally
# (READY-2, from arithmetic), and LINE + Tab follows. Output is read until the screen stays quiet, bounded.
import os, pty, re, select, signal, sys, time

shell, setup, line, wait_for = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
argv = {
    'bash': ['bash', '--norc', '--noprofile', '-i'],
    'zsh': ['zsh', '-f', '-i'],
    'fish': ['fish', '--no-config', '-i'],
}[shell]
marker = {'bash': 'echo READY-$((1+1))', 'zsh': 'echo READY-$((1+1))', 'fish': 'echo READY-(math 1+1)'}[shell]

pid, fd = pty.fork()
if pid == 0:
    os.environ['TERM'] = 'xterm'
    os.environ['COLUMNS'] = '200'
    os.environ['LINES'] = '50'
    os.execvp(argv[0], argv)

buf = b''
def read_until(pred, limit, quiet=None):
    # Reads until pred(buf) holds (then, with quiet, until nothing came for that long), or limit seconds.
    global buf
    end = time.time() + limit
    last = time.time()
    ok = False
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 65536)
            except OSError:
                break
            if not d:
                break
            buf += d
            last = time.time()
        ok = ok or pred(buf)
        if ok and (quiet is None or time.time() - last >= quiet):
            return True
    return ok

try:
    # A pty starts 0x0 for some shells: give it a size the pager can use.
    import fcntl, struct, termios
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 50, 200, 0, 0))
    time.sleep(0.2)
    os.write(fd, (setup + '\n' + marker + '\n').encode())
    if not read_until(lambda b: b'READY-2' in b, 20):
        sys.stdout.write('NO-MARKER\n' + buf.decode('utf8', 'replace'))
        sys.exit(3)
    read_until(lambda b: True, 2, quiet=0.3)
    start = len(buf)
    tabs = '\t\t' if shell == 'bash' else '\t'
    os.write(fd, (line + tabs).encode())
    def clean(b):
        # Escape sequences move the cursor between listed words: each becomes a space.
        t = b[start:].decode('utf8', 'replace')
        return re.sub(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07|\r', ' ', t)
    read_until(lambda b: len(b) > start + len(line) and all(w in clean(b) for w in wait_for), 15, quiet=0.5)
    sys.stdout.write(clean(buf))
finally:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
