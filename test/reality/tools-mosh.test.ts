/**
 * mosh-server as a pty keeper, for real (catalogue: tool.pty-keepers): the server double-forks into a
 * session whose leader is gone and holds the pty master of its command, so a keeper is recognised by what
 * it does; the user's client disconnecting leaves the command running, and the server's own end hangs the
 * terminal up (the keeper's end, not a threat).
 */
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { cleanEnv } from '../scenarios/helpers';
import { allPids, isAlive, procStat, track } from '../helpers/processes';
import { soleWithArgv } from './harness/kernel-events';
import { killPids, missingTool } from './harness/tools';
import { onTeardown } from './harness/teardown';
import { realitySuite, notRoot } from './harness/suite';
import { diagnose, expectReality, expectRule, mechanismOf, outcomeOf, startWatch, uniqueSleep } from './predict';

const { maybe } = realitySuite(
  'tools-mosh',
  notRoot('watch needs tracefs') ?? missingTool('mosh-server', 'mosh-client'),
);
const DRIVER = path.join(__dirname, 'harness', 'winsize-pty.py');
const LOCALE = { LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

maybe('mosh-server keeps its command’s terminal', () => {
  test('mosh-server: the client disconnecting leaves its command running; the server’s end hangs the terminal up', async () => {
    const n = uniqueSleep();
    const r0 = spawnSync('setsid', ['mosh-server', 'new', '-i', '127.0.0.1', '--', 'sleep', n], {
      encoding: 'utf8',
      env: cleanEnv(LOCALE),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15000,
    });
    const m = /MOSH CONNECT (\d+) (\S+)/.exec(r0.stdout ?? '');
    if (!m) throw new Error(`mosh-server did not start: ${r0.stdout} ${r0.stderr}`);
    const serverPid = Number(/detached, pid = (\d+)/.exec(`${r0.stdout}${r0.stderr}`)?.[1] ?? 0);
    if (serverPid > 0) {
      track(serverPid);
      onTeardown(`mosh-server ${serverPid}`, () => killPids([serverPid]));
    }
    // The command is exec'd only once a client connects.
    const client = spawn('python3', [DRIVER, 'mosh-client', '127.0.0.1', m[1]], {
      stdio: 'ignore',
      env: cleanEnv({ ...LOCALE, TERM: 'xterm', MOSH_KEY: m[2] }),
      detached: true,
    });
    const clientPid = track(client.pid ?? 0);
    onTeardown(`mosh client ${clientPid}`, () => killPids([clientPid]));
    const pid = await soleWithArgv(['sleep', n]);
    const server = procStat(pid)?.ppid ?? 0;
    expect(procStat(server)?.comm).toBe('mosh-server');
    const r = diagnose(pid);
    const th = expectRule(r, 'terminal-hangup', 'hangup.multiplexer');
    const pe = expectRule(r, 'parent-exit', 'parent.keeper');
    expect(pe.by).toBe('keeper');
    // The user's side vanishes (network lost, laptop closed): mosh-client dies without a word to the server.
    // (A client told to quit — SIGHUP when its window closes — asks the server to shut down: the keeper's end.)
    const mc = allPids().find((p) => procStat(p)?.comm === 'mosh-client' && procStat(p)?.ppid === clientPid) ?? 0;
    expect(mc).toBeGreaterThan(0);
    process.kill(mc, 'SIGKILL');
    const diedAtDisconnect = await outcomeOf(pid, th);
    expect(diedAtDisconnect).toBe(false);
    expectReality(th, diedAtDisconnect);
    const w = await startWatch(pid);
    process.kill(server, 'SIGTERM');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(true);
    expectReality(pe, died);
    expect(mechanismOf(await w.result)).toBe('kernel-hangup');
    expect(isAlive(server)).toBe(false);
  });
});
