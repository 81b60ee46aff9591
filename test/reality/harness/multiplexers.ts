/**
 * Detached terminal multiplexers with private sockets: a tmux server (`tmux -S <temp>/sock`, never the user's
 * default server) and a screen session (SCREENDIR in a temp dir, never /run/screen's sessions). Each runs one
 * command in its first pane/window; stop() is kill-server / quit, then anything left is killed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanEnv } from '../../scenarios/helpers';
import { descendantsOf, isAlive, procStat, track, waitFor, waitGone } from '../../helpers/processes';
import { onTeardown, uniqueName } from './teardown';

export interface Multiplexer {
  kind: 'tmux' | 'screen';
  /** The server process (keeps the panes' terminals). */
  serverPid: number;
  /** The first pane's / window's process. */
  panePid: number;
  /** The argv prefix that reaches this server (e.g. ['tmux', '-S', sock]). */
  client: string[];
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export function tmuxAvailable(): string | null {
  return has('tmux') ? null : 'tmux is not installed';
}

export function screenAvailable(): string | null {
  return has('screen') ? null : 'screen is not installed (apt-get install screen)';
}

async function stopServer(serverPid: number, quit: () => void, dir: string): Promise<void> {
  const all = serverPid > 0 ? [serverPid, ...descendantsOf(serverPid)] : [];
  quit();
  if (!(await waitGone(all, 3000))) {
    for (const p of all.filter(isAlive)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await waitGone(all, 3000);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

export async function startTmux(command: string, opts: { env?: Record<string, string> } = {}): Promise<Multiplexer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-tmux-'));
  const client = ['tmux', '-S', path.join(dir, 'sock')];
  const env = cleanEnv(opts.env ?? {});
  let serverPid = 0;
  const stop = onTeardown(`tmux server in ${dir}`, () =>
    stopServer(serverPid, () => void spawnSync(client[0], [...client.slice(1), 'kill-server'], { env }), dir),
  );
  const r = spawnSync(client[0], [...client.slice(1), 'new-session', '-d', '-P', '-F', '#{pane_pid} #{pid}', command], {
    encoding: 'utf8',
    env,
  });
  const m = /^(\d+) (\d+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) {
    await stop();
    throw new Error(`tmux new-session failed: ${r.stderr}`);
  }
  serverPid = track(parseInt(m[2], 10));
  const panePid = track(parseInt(m[1], 10));
  // tmux prints the pane's pid as soon as the server has forked it (tmux spawn.c: fdforkpty); the child's
  // setsid (glibc forkpty -> login_tty) and its exec may not have run yet on a loaded machine. Ready: the pane
  // leads its own session and runs its own program, no longer the server's copy.
  const ready = await waitFor(() => {
    const pane = procStat(panePid);
    return pane !== null && pane.sid === panePid && pane.comm !== procStat(serverPid)?.comm;
  }, 5000);
  if (!ready) {
    await stop();
    throw new Error(`tmux pane ${panePid} did not start its own session and program`);
  }
  return { kind: 'tmux', serverPid, panePid, client, env, stop };
}

export async function startScreen(command: string, opts: { env?: Record<string, string> } = {}): Promise<Multiplexer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-screen-'));
  fs.chmodSync(dir, 0o700); // screen refuses a SCREENDIR others can read
  const name = uniqueName('whydied');
  const env = cleanEnv({ ...(opts.env ?? {}), SCREENDIR: dir });
  const client = ['screen', '-S', name];
  let serverPid = 0;
  const stop = onTeardown(`screen ${name}`, () =>
    stopServer(serverPid, () => void spawnSync('screen', ['-S', name, '-X', 'quit'], { env }), dir),
  );
  const r = spawnSync('screen', ['-dmS', name, 'sh', '-c', command], { encoding: 'utf8', env });
  if (r.status !== 0) {
    await stop();
    throw new Error(`screen -dmS failed: ${r.stderr}`);
  }
  // The socket is named <server pid>.<name>.
  const ok = await waitFor(() => {
    const sock = fs.readdirSync(dir).find((f) => f.endsWith(`.${name}`));
    serverPid = sock ? parseInt(sock, 10) : 0;
    return serverPid > 0 && descendantsOf(serverPid).length > 0;
  }, 5000);
  if (!ok) {
    await stop();
    throw new Error('screen started no window');
  }
  track(serverPid);
  const panePid = track(descendantsOf(serverPid)[0]);
  return { kind: 'screen', serverPid, panePid, client, env, stop };
}
