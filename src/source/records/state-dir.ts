/**
 * Where records live: `$WHYDIED_STATE_DIR`, else /var/lib/whydied as root, else `$XDG_STATE_HOME/whydied`
 * (default ~/.local/state/whydied). Created mode 0700: records name processes and their command lines.
 */
import * as os from 'os';
import * as path from 'path';
import { secureDir } from '../safe-write';

export function stateDir(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? -1): string {
  if (env.WHYDIED_STATE_DIR) return path.resolve(env.WHYDIED_STATE_DIR);
  if (uid === 0) return '/var/lib/whydied';
  const xdg =
    env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)
      ? env.XDG_STATE_HOME
      : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(xdg, 'whydied');
}

/**
 * Check the state dir and create it (0700) if missing; never change an existing one. It must be ours, writable
 * by no other user (sticky or not: /tmp is refused, never chmodded), every component of its path owned by
 * root or us, opened without following links (src/source/safe-write.ts). whydied appends records to it as
 * root. A refusal is an UnsafePathError (a usage error: exit 2, one line), raised before anything is changed.
 */
export function ensureStateDir(dir: string = stateDir()): string {
  return secureDir(dir, 'state dir', true, true).dir;
}
