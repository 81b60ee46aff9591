/** The /proc readers behind the kernel mechanisms: pty master tty-index, UNIX socket peers, hung-up terminals. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import { classifyFdTarget } from '../../src/source/fd-target';
import { findPtyMaster, parseTtyIndex, ptsIndexOf } from '../../src/source/pty-master';
import { parseUnixPeers } from '../../src/source/unix-peers';
import { createFacts } from '../../src/source/facts';
import { createLiveSource } from '../../src/source/live-source';
import { cleanupProcesses, track, waitFor } from '../helpers/processes';

afterAll(() => cleanupProcesses());

test('fdinfo tty-index and pts names', () => {
  expect(parseTtyIndex('pos:\t0\nflags:\t0100002\nmnt_id:\t24\nino:\t90\ntty-index:\t7\n')).toBe(7);
  expect(parseTtyIndex('pos:\t0\nflags:\t02\n')).toBeNull();
  expect(ptsIndexOf('/dev/pts/12')).toBe(12);
  expect(ptsIndexOf('/dev/pts/12 (deleted)')).toBe(12);
  expect(ptsIndexOf('/dev/tty1')).toBeNull();
});

test('a hung-up pts is a terminal, not a deleted file; a file really deleted still is', () => {
  expect(classifyFdTarget('/dev/pts/3 (deleted)')).toEqual({ kind: 'tty', hungUp: true });
  expect(classifyFdTarget('/tmp/log (deleted)')).toEqual({ kind: 'deleted-file' });
});

test('ss -x lines: peers by inode; a forged or malformed line makes that inode unknown', () => {
  const text = [
    'u_str ESTAB  0 0 * 48605 * 48606',
    'u_str ESTAB  0 0 * 48606 * 48605',
    'u_dgr UNCONN 0 0 /run/host/notify 17401 * 0',
    'u_str ESTAB 0 0 /tmp/a b 777 * 778',
    'u_str ESTAB 0 0 * 900 * 901',
    'u_str ESTAB 0 0 * 900 * 999',
  ].join('\n');
  const p = parseUnixPeers(text);
  expect(p.get(48605)).toBe(48606);
  expect(p.get(48606)).toBe(48605);
  expect(p.has(17401)).toBe(false);
  expect(p.has(777)).toBe(false);
  expect(p.has(900)).toBe(false);
});

const root = typeof process.getuid === 'function' && process.getuid() === 0;
(root ? test : test.skip)(
  'a real pty: its master holder is found by tty-index; a node socketpair child has its parent as peer',
  async () => {
    const py = spawn(
      'python3',
      [
        '-c',
        'import os,pty,time\npid,fd=pty.fork()\nif pid==0:\n  time.sleep(60)\nprint(os.ttyname(0) if False else pid, flush=True)\ntime.sleep(60)',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    track(py.pid ?? 0);
    let child = 0;
    let printed = '';
    py.stdout?.on('data', (d: Buffer) => {
      printed += d.toString();
      const m = /^(\d+)\n/.exec(printed);
      if (m) child = Number(m[1]);
    });
    await waitFor(() => child > 0, 5000);
    track(child);
    const link = fs.readlinkSync(`/proc/${child}/fd/0`);
    const index = ptsIndexOf(link) as number;
    const facts = createFacts(createLiveSource());
    // The process that forked the pty's child holds its master (pyenv's shim may stand between us and it).
    const parent = facts.stat(child);
    const ppid = parent.ok ? parent.value.ppid : 0;
    expect(ppid).toBeGreaterThan(1);
    // As the model asks: its ancestors first (beyond them a pts number can be held twice: other devpts).
    expect(facts.ptyMaster(index, [child, ppid])?.pid).toBe(ppid);
    const all = (pid: number) => facts.fds(pid, true);
    expect(findPtyMaster(index, [ppid], all, facts.text)?.pid).toBe(ppid);
    expect(findPtyMaster(index, [child], all, facts.text)).toBeNull();

    const sp = spawn('sleep', ['60']);
    track(sp.pid ?? 0);
    const out = fs.readlinkSync(`/proc/${sp.pid}/fd/1`);
    const inode = Number(/socket:\[(\d+)\]/.exec(out)?.[1]);
    const peer = facts.unixPeer(inode);
    expect(peer).not.toBeNull();
    expect(facts.socketHolders(peer as number)).toContain(process.pid);
    sp.kill('SIGKILL');
    py.kill('SIGKILL');
  },
);
