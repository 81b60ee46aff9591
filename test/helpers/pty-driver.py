# Drives an interactive bash on a real pty: types argv[1] into `bash -i`, then keeps draining the master so
# the shell never blocks on output. Used by test/scenarios and fixtures/scenarios/*/make.sh.
import os, pty, sys, time
cmds = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp('bash', ['bash', '--norc', '--noprofile', '-i'])
time.sleep(0.3)
os.write(fd, cmds.encode())
while True:
    try:
        if not os.read(fd, 4096):
            break
    except OSError:
        break
