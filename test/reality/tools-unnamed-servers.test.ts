/**
 * Socket servers no scenario had named: a prefork master (gunicorn) and its workers, a per-connection
 * `socat …,fork EXEC:` and ucspi-tcp's tcpserver. A prefork worker is told by what /proc shows (a forked copy
 * of its parent holding the parent's listening socket: parent.prefork-worker), and the master's stop ends it
 * (the keeper's end). socat ends the program it EXECs when that socat is stopped (tools table), but its
 * listener's end leaves the per-connection socat running; tcpserver's end leaves its program running. Each
 * server is started for real on a free loopback port, a real client connects, and the stop is sent.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { allPids, isAlive, procStat, track, waitFor } from '../helpers/processes';
import { cleanEnv } from '../scenarios/helpers';
import { killPids, killSession, signal, tempDir } from './harness/tools';
import { onTeardown } from './harness/teardown';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf, pidsWithArgv, uniqueSleep } from './predict';

const { need } = realitySuite('tools-unnamed-servers');

/** A loopback port nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Is something listening on the port, any IPv4 address (/proc/net/tcp, state 0A)? */
function listening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    return fs
      .readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .some((l) => {
        const f = l.trim().split(/\s+/);
        return (f[1] ?? '').endsWith(hex) && f[3] === '0A';
      });
  } catch {
    return false;
  }
}

/** `setsid ARGV` (a session of ours, stdio on /dev/null), killed with its whole session at teardown. */
function startSession(argv: readonly string[], cwd?: string): number {
  const child = spawn('setsid', [...argv], { stdio: 'ignore', env: cleanEnv({}), cwd });
  if (!child.pid) throw new Error(`could not start ${argv.join(' ')}`);
  const pid = track(child.pid);
  onTeardown(`session ${argv[0]} ${pid}`, () => killSession(pid));
  return pid;
}

/** A client holding a connection to the port open: `exec 3<>/dev/tcp/…` in a bash of its own session. */
function connect(port: number): number {
  return startSession(['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}; exec sleep ${uniqueSleep()}`]);
}

const childrenOf = (pid: number): number[] => allPids().filter((p) => procStat(p)?.ppid === pid && isAlive(p));

describe('socket servers', () => {
  need('gunicorn')("gunicorn: a prefork worker ends with its master's stop (SIGTERM to the master)", async () => {
    const dir = tempDir('gunicorn');
    fs.writeFileSync(
      path.join(dir, 'app.py'),
      "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n",
    );
    const port = await freePort();
    // setsid execs gunicorn (its spawn is no group leader): the session's first pid is the master.
    const master = startSession(['gunicorn', '--chdir', dir, '-w', '1', '-b', `127.0.0.1:${port}`, 'app:app'], dir);
    let worker = 0;
    expect(
      await waitFor(
        () => {
          // Its only child once it listens (with python3-setproctitle both rename themselves: comm is no guide).
          worker = listening(port) ? (childrenOf(master)[0] ?? 0) : 0;
          return worker > 0;
        },
        30000,
        100,
      ),
    ).toBe(true);
    track(worker);
    onTeardown(`gunicorn worker ${worker}`, () => killPids([worker]));
    const r = diagnose(worker);
    const pe = expectRule(r, 'parent-exit', 'parent.prefork-worker');
    expect(pe.by).toBe('keeper');
    expect(pe.reason).toContain(`port ${port}`);
    signal(master, 'SIGTERM');
    expectReality(pe, await outcomeOf(worker, pe));
  });

  need('uvicorn')(
    "uvicorn --workers: a spawned worker sharing the master's socket ends with the master's stop",
    async () => {
      const dir = tempDir('uvicorn');
      fs.writeFileSync(
        path.join(dir, 'app.py'),
        "async def app(scope, receive, send):\n    await send({'type': 'http.response.start', 'status': 200, 'headers': []})\n    await send({'type': 'http.response.body', 'body': b'ok'})\n",
      );
      const port = await freePort();
      const master = startSession(
        ['uvicorn', '--app-dir', dir, '--workers', '2', '--host', '127.0.0.1', '--port', String(port), 'app:app'],
        dir,
      );
      // The workers are multiprocessing-spawned pythons (other argv than the master's), handed its socket.
      const isWorker = (p: number): boolean => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('spawn_main');
        } catch {
          return false;
        }
      };
      let worker = 0;
      expect(
        await waitFor(() => listening(port) && (worker = childrenOf(master).find(isWorker) ?? 0) > 0, 30000, 100),
      ).toBe(true);
      track(worker);
      onTeardown(`uvicorn worker ${worker}`, () => killPids([worker]));
      const r = diagnose(worker);
      const pe = expectRule(r, 'parent-exit', 'parent.prefork-worker');
      expect(pe.by).toBe('keeper');
      signal(master, 'SIGTERM');
      expectReality(pe, await outcomeOf(worker, pe));
    },
  );

  need('nginx')(
    "nginx: a worker (renamed, never exec'd) ends with its master's stop, told by the shared socket",
    async () => {
      const dir = tempDir('nginx');
      const port = await freePort();
      const conf = path.join(dir, 'nginx.conf');
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((t) => `  ${t}_temp_path ${path.join(dir, t)};`)
        .join('\n');
      fs.writeFileSync(
        conf,
        `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n${temp}\n  server { listen 127.0.0.1:${port}; return 200 "ok"; }\n}\n`,
      );
      const master = startSession(['nginx', '-p', dir, '-c', conf, '-g', 'daemon off;'], dir);
      let worker = 0;
      expect(await waitFor(() => listening(port) && (worker = childrenOf(master)[0] ?? 0) > 0, 10000, 50)).toBe(true);
      track(worker);
      onTeardown(`nginx worker ${worker}`, () => killPids([worker]));
      const r = diagnose(worker);
      const pe = expectRule(r, 'parent-exit', 'parent.prefork-worker');
      expect(pe.by).toBe('keeper');
      signal(master, 'SIGTERM');
      expectReality(pe, await outcomeOf(worker, pe));
    },
  );

  need('socat')(
    "socat fork EXEC: SIGTERM to the per-connection socat ends its program; the listener's end does not",
    async () => {
      const n = uniqueSleep();
      const port = await freePort();
      const listener = startSession(['socat', `TCP-LISTEN:${port},reuseaddr,fork`, `EXEC:sleep ${n}`]);
      expect(await waitFor(() => listening(port), 10000)).toBe(true);
      connect(port);
      let pid = 0;
      expect(await waitFor(() => (pid = pidsWithArgv(['sleep', n])[0] ?? 0) > 0, 10000)).toBe(true);
      track(pid);
      const conn = procStat(pid)?.ppid ?? 0;
      expect(procStat(conn)?.ppid).toBe(listener);
      onTeardown(`socat ${conn}`, () => killPids([conn, pid]));
      // The per-connection socat is a forked copy of the listener (same argv), not a program it runs.
      const connReport = diagnose(conn);
      const connRow = expectRule(connReport, 'parent-exit', 'parent.reparent');
      const r = diagnose(pid);
      const pe = expectRule(r, 'parent-exit', 'parent.stopper');
      expect(pe.by).toBe('keeper');
      // The listener's end: the connection's socat and its program run on.
      signal(listener, 'SIGTERM');
      expectReality(connRow, await outcomeOf(conn, connRow));
      expect(isAlive(pid)).toBe(true);
      // The connection's socat stopped: it sends its program SIGTERM.
      signal(conn, 'SIGTERM');
      expectReality(pe, await outcomeOf(pid, pe));
    },
  );

  need('xinetd')("xinetd: the server it started for a connection outlives xinetd's SIGTERM", async () => {
    const n = uniqueSleep();
    const port = await freePort();
    const dir = tempDir('xinetd');
    const conf = path.join(dir, 'xinetd.conf');
    fs.writeFileSync(
      conf,
      `defaults\n{\n}\nservice whydied-sleep\n{\n\ttype = UNLISTED\n\tport = ${port}\n\tsocket_type = stream\n\tprotocol = tcp\n\twait = no\n\tuser = root\n\tserver = /bin/sleep\n\tserver_args = ${n}\n\tbind = 127.0.0.1\n}\n`,
    );
    const server = startSession(['xinetd', '-dontfork', '-f', conf, '-pidfile', path.join(dir, 'pid')]);
    expect(await waitFor(() => listening(port), 10000)).toBe(true);
    connect(port);
    let pid = 0;
    expect(
      await waitFor(() => (pid = pidsWithArgv(['/bin/sleep', n])[0] ?? pidsWithArgv(['sleep', n])[0] ?? 0) > 0, 10000),
    ).toBe(true);
    track(pid);
    onTeardown(`xinetd server ${pid}`, () => killPids([pid]));
    expect(procStat(pid)?.ppid).toBe(server);
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    signal(server, 'SIGTERM');
    expect(await waitFor(() => !isAlive(server), 5000)).toBe(true);
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
  });

  need('tcpserver')("tcpserver: the per-connection program outlives tcpserver's SIGTERM", async () => {
    const n = uniqueSleep();
    const port = await freePort();
    const server = startSession(['tcpserver', '127.0.0.1', String(port), 'sleep', n]);
    expect(await waitFor(() => listening(port), 10000)).toBe(true);
    connect(port);
    let pid = 0;
    expect(await waitFor(() => (pid = pidsWithArgv(['sleep', n])[0] ?? 0) > 0, 10000)).toBe(true);
    track(pid);
    onTeardown(`tcpserver program ${pid}`, () => killPids([pid]));
    expect(procStat(pid)?.ppid).toBe(server);
    const r = diagnose(pid);
    const pe = expectRule(r, 'parent-exit', 'parent.reparent');
    signal(server, 'SIGTERM');
    const died = await outcomeOf(pid, pe);
    expect(died).toBe(false);
    expectReality(pe, died);
  });
});
