/**
 * A private sshd on 127.0.0.1 with throwaway host and client keys, so tests can log in as root over a real
 * SSH connection (a real pts, a real login bash whose session ends when the connection drops).
 * Nothing of the machine's own sshd setup is used: config, keys and authorized_keys live in a temp dir.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { descendantsOf, isAlive, isRoot, track, waitFor, waitGone } from '../../helpers/processes';
import { onTeardown } from './teardown';

export const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  port: number;
  /** The temp dir holding config, keys (client_key), pid file and log. */
  dir: string;
  /** The listening daemon. */
  pid: number;
  clientKey: string;
  /** Kill the daemon and every session it forked, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Why a private sshd cannot run here, or null when it can. */
export function sshdAvailable(): string | null {
  if (!isRoot()) return 'not root (a private sshd needs root to log in as root and allocate ptys)';
  if (!fs.existsSync(SSHD)) return `${SSHD} is missing (install openssh-server)`;
  for (const tool of ['ssh', 'ssh-keygen']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return null;
}

/** A port nobody listens on right now: the kernel picks it (bind to 0), we close it and hand it over. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from bind(0)'))));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'whydied-reality', '-f', file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr.trim()}`);
}

function readPid(file: string): number {
  try {
    return parseInt(fs.readFileSync(file, 'utf8').trim(), 10) || 0;
  } catch {
    return 0;
  }
}

export async function startSshd(): Promise<Sshd> {
  const reason = sshdAvailable();
  if (reason) throw new Error(`cannot start sshd: ${reason}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-sshd-'));
  let daemon = 0;
  const stop = onTeardown(`sshd in ${dir}`, async () => {
    const pid = daemon || readPid(path.join(dir, 'sshd.pid'));
    if (pid > 0 && isAlive(pid)) {
      // Sessions are children of the listener (sshd forks per connection): kill them too, then the listener.
      const all = [...descendantsOf(pid), pid];
      for (const p of all) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await waitGone(all, 5000);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  try {
    keygen(path.join(dir, 'host_key'));
    keygen(path.join(dir, 'client_key'));
    fs.copyFileSync(path.join(dir, 'client_key.pub'), path.join(dir, 'authorized_keys'));
    // Privilege separation needs its empty chroot dir; packages create it at boot, a container may not have it.
    // It stays: the host's sshd or a concurrent test's may be using it, and it is what the package would create.
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    // The port is proved free by binding it; another process could still take it before sshd binds, so retry.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const config = path.join(dir, 'sshd_config');
      fs.writeFileSync(
        config,
        [
          'ListenAddress 127.0.0.1',
          `Port ${port}`,
          `HostKey ${path.join(dir, 'host_key')}`,
          `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
          'PermitRootLogin prohibit-password',
          'PubkeyAuthentication yes',
          'UsePAM no',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'StrictModes no',
          'PrintMotd no',
          'PrintLastLog no',
          'X11Forwarding no',
          `PidFile ${path.join(dir, 'sshd.pid')}`,
          '',
        ].join('\n'),
      );
      // Without -D sshd binds, then daemonizes: when this returns the socket is listening (or sshd failed).
      const r = spawnSync(SSHD, ['-f', config, '-E', path.join(dir, 'sshd.log')], { encoding: 'utf8', timeout: 15000 });
      if (r.status !== 0) {
        const log = fs.existsSync(path.join(dir, 'sshd.log'))
          ? fs.readFileSync(path.join(dir, 'sshd.log'), 'utf8')
          : '';
        if (/Address already in use|Cannot bind/i.test(log + r.stderr)) continue;
        throw new Error(`sshd failed (${r.status}): ${(r.stderr + log).trim()}`);
      }
      await waitFor(() => readPid(path.join(dir, 'sshd.pid')) > 0, 5000);
      daemon = readPid(path.join(dir, 'sshd.pid'));
      if (!(daemon > 0)) throw new Error('sshd wrote no pid file');
      track(daemon);
      if (!(await accepts(port))) throw new Error(`sshd (pid ${daemon}) does not accept connections on ${port}`);
      return { port, dir, pid: daemon, clientKey: path.join(dir, 'client_key'), stop };
    }
    throw new Error('no free port for sshd after 5 attempts');
  } catch (e) {
    await stop();
    throw e;
  }
}
