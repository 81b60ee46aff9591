/**
 * Where records live: `$WHYDIED_STATE_DIR`, else /var/lib/whydied as root, else `$XDG_STATE_HOME/whydied`
 * (default ~/.local/state/whydied). Created mode 0700: records name processes and their command lines.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function stateDir(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? -1): string {
  if (env.WHYDIED_STATE_DIR) return path.resolve(env.WHYDIED_STATE_DIR);
  if (uid === 0) return '/var/lib/whydied';
  const xdg = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(xdg, 'whydied');
}

/** Create the state dir (0700) if needed; tighten it when it exists with looser bits. */
export function ensureStateDir(dir: string = stateDir()): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  if ((st.mode & 0o077) !== 0 && st.uid === (process.getuid?.() ?? st.uid)) fs.chmodSync(dir, 0o700);
  return dir;
}
