/**
 * The kernel's own ways of ending a process, made to happen for real (test/reality/mechanisms-*.test.ts):
 * a program as the session leader of a pty whose master is then closed, a tree started in a session of
 * its own whose pids are written to files (parents that exit on cue, a group orphaned with a stopped
 * member, a child whose only reader is its parent), a cgroup v2 directory killed with cgroup.kill.
 * Everything registers its undo in teardown.ts.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Report } from '../../../src/engine/types';
import { cleanEnv } from '../../scenarios/helpers';
import { descendantsOf, isAlive, procStat, readPidFile, track, waitFor, waitGone } from '../../helpers/processes';
import { onTeardown, uniqueName } from './teardown';
import { pidsWithArgv } from '../predict';

const DRIVER = path.join(__dirname, 'pty-control.py');

export interface OnPty {
  driverPid: number;
  /** The program, session leader of the pty. */
  pid: number;
  /** Close the pty master (what sshd does when the connection drops). */
  hangup(): void;
  /** Type into the terminal. */
  type(raw: string): void;
}

/** Run `argv` as the session leader of a new pty held by pty-control.py (a child of this test, not a daemon). */
export async function onPty(argv: string[], comm: string): Promise<OnPty> {
  const child = spawn('python3', [DRIVER, ...argv], {
    stdio: ['pipe', 'ignore', 'ignore'],
    env: cleanEnv({ TERM: 'dumb' }),
  });
  if (!child.pid) throw new Error('could not start the pty driver');
  const driverPid = track(child.pid);
  child.stdin?.on('error', () => undefined);
  onTeardown(`pty driver ${driverPid}`, async () => {
    const all = [driverPid, ...descendantsOf(driverPid)];
    for (const p of all.filter(isAlive)) process.kill(p, 'SIGKILL');
    await waitGone(all, 3000);
  });
  let pid = 0;
  // The program leads the pty's session (pty.fork calls setsid): not a helper the python launcher forked.
  const onIt = (p: number): boolean => {
    const s = procStat(p);
    return s !== null && s.comm === comm && s.sid === p && s.ttyNr !== 0;
  };
  if (!(await waitFor(() => (pid = descendantsOf(driverPid).find(onIt) ?? 0) > 0, 5000)))
    throw new Error(`${argv.join(' ')} did not start on a pty`);
  track(pid);
  return { driverPid, pid, hangup: () => child.stdin?.end(), type: (raw) => child.stdin?.write(raw) };
}

export interface Tree {
  dir: string;
  /** Pids the script wrote as `echo $! > "$D/NAME"` (or `$$`), by NAME. */
  pid(name: string): Promise<number>;
}

/**
 * `setsid bash -c SCRIPT` (a session and group of its own, no terminal), `$D` a private temp dir for pid
 * files; every process of the session is killed at teardown.
 */
export function startTree(script: string): Tree {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-kernel-'));
  const child = spawn('setsid', ['bash', '-c', script], {
    stdio: 'ignore',
    env: cleanEnv({ D: dir }),
  });
  if (!child.pid) throw new Error('could not start setsid');
  track(child.pid);
  const seen = new Set<number>();
  onTeardown(`tree in ${dir}`, async () => {
    for (const p of [...seen].filter(isAlive)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await waitGone([...seen], 3000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    pid: async (name) => {
      const pid = await readPidFile(path.join(dir, name), 10000);
      seen.add(track(pid));
      return pid;
    },
  };
}

/** The one process with exactly this argv, once a transient fork of it (a shell about to exec) is gone. */
export async function soleWithArgv(argv: readonly string[], except: readonly number[] = []): Promise<number> {
  let found: number[] = [];
  const ok = await waitFor(() => (found = pidsWithArgv(argv, except)).length === 1, 10000);
  if (!ok) throw new Error(`expected one ${argv.join(' ')}, found ${JSON.stringify(found)}`);
  return track(found[0]);
}

/** Run the report's first remedy as root would paste it into a shell on this host. */
export function runRemedy(report: Report, shell: (cmd: string) => void = defaultShell): string {
  const step = report.remedy[0] as unknown;
  const cmd = typeof step === 'string' ? step : (step as { command?: string } | undefined)?.command;
  if (!cmd) throw new Error(`no remedy offered: ${report.verdict.summary}`);
  shell(cmd);
  return cmd;
}

function defaultShell(cmd: string): void {
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 10000, env: cleanEnv({}) });
  if (r.status !== 0) throw new Error(`remedy failed (${r.status}): ${cmd}\n${r.stderr}`);
}

/** The cgroup v2 hierarchy of a v1-hybrid host (or a pure v2 host), when cgroup.kill exists there. */
export function cgroupKillRoot(): string | { reason: string } {
  for (const root of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    if (!fs.existsSync(path.join(root, 'cgroup.procs')) || !fs.existsSync(path.join(root, 'cgroup.controllers')))
      continue;
    return root;
  }
  return { reason: 'no cgroup v2 hierarchy (neither /sys/fs/cgroup/unified nor a v2 /sys/fs/cgroup)' };
}

export interface KillableCgroup {
  dir: string;
  add(pid: number): void;
  kill(): void;
}

/** A fresh cgroup v2 directory (removed at teardown after killing what is left in it). */
export function createKillableCgroup(root: string): KillableCgroup | { reason: string } {
  const dir = path.join(root, uniqueName('whydied-cgkill'));
  fs.mkdirSync(dir);
  if (!fs.existsSync(path.join(dir, 'cgroup.kill'))) {
    fs.rmdirSync(dir);
    return { reason: `${root} has no cgroup.kill (Linux before 5.14)` };
  }
  onTeardown(`cgroup ${dir}`, async () => {
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    } catch {
      /* gone */
    }
    await waitFor(() => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() === '', 3000);
    fs.rmdirSync(dir);
  });
  return {
    dir,
    add: (pid) => fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid)),
    kill: () => fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1'),
  };
}
