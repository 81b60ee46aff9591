/**
 * Where records live: `$WHYDIED_STATE_DIR`, else /var/lib/whydied as root, else `$XDG_STATE_HOME/whydied`
 * (default ~/.local/state/whydied). Created mode 0700: records name processes and their command lines.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { secureDir, UnsafePathError } from '../safe-write';
import { escapeControl } from '../../util/escape';

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
 * Create the state dir (0700) if needed, tighten it when it is ours with looser bits, and refuse one that
 * another user could change (owner, links, shared ancestors, pseudo filesystems): whydied appends records to
 * it as root. A refusal is an UnsafePathError (a usage error: exit 2, one line).
 */
export function ensureStateDir(dir: string = stateDir()): string {
  try {
    const st = fs.lstatSync(dir);
    if (st.isDirectory() && (st.mode & 0o077) !== 0 && st.uid === (process.geteuid?.() ?? -1)) fs.chmodSync(dir, 0o700);
  } catch {
    /* missing: created below */
  }
  const checked = secureDir(dir, 'state dir', true);
  if (checked.shared)
    throw new UnsafePathError(`state dir ${escapeControl(dir)} is writable by other users: use a private directory`);
  return checked.dir;
}
