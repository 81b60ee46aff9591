/**
 * `whydied watch` on a real terminal that is then closed (the pty master shut, as a terminal emulator or an
 * ssh session does): the watch keeps going, saves its record when the target dies, and exits with the
 * diagnosis's code - not a Node assertion at exit (SIGABRT, 134: src/cli/terminal-exit.ts).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupProcesses, isRoot, startDetached, waitFor } from '../helpers/processes';

const CLI = path.resolve(__dirname, '../../dist/whydied.js');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-hup-watch-'));
});
afterAll(() => {
  cleanupProcesses();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Python: run the watch as a session leader on a new pty, wait for its status line, close the master, then
 * say "closed" and wait for the watch's end: prints its exit code, or `signal N`.
 */
const DRIVER = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
buf = b''
while b'watching' not in buf:
    buf += os.read(fd, 4096)
os.close(fd)
print('closed', flush=True)
_, st = os.waitpid(pid, 0)
print(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 'signal %d' % os.WTERMSIG(st), flush=True)
`;

for (const backend of isRoot() ? ['tracefs', 'poll'] : ['poll']) {
  it(`watch --backend ${backend}: the terminal closed, the record is saved and the exit is clean`, async () => {
    const state = fs.mkdtempSync(path.join(tmp, 'state-'));
    const target = startDetached('sleep', ['60']);
    const driver = spawn(
      'python3',
      ['-c', DRIVER, process.execPath, CLI, 'watch', String(target), '--backend', backend],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WHYDIED_STATE_DIR: state } },
    );
    let out = '';
    driver.stdout.on('data', (d: Buffer) => (out += d.toString()));
    driver.stderr.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => out.includes('closed'), 15000)).toBe(true);
    process.kill(target, 'SIGTERM');
    await new Promise((r) => driver.on('exit', r));
    const code = out.trim().split('\n').pop();
    // tracefs sees the sender (3: cause established); poll sees only the end (4: unknown).
    expect(code).toBe(backend === 'tracefs' ? '3' : '4');
    if (backend === 'tracefs') {
      const rec = JSON.parse(fs.readFileSync(path.join(state, 'records.jsonl'), 'utf8').trim()) as {
        pid: number;
        cause: { signal?: string };
      };
      expect(rec).toMatchObject({ pid: target, cause: { signal: 'SIGTERM' } });
    }
  });
}
