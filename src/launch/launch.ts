/**
 * `whydied launch [--name N] [--log FILE] -- CMD ARGS...`: start CMD the way the seeds recommend (new
 * session, stdin /dev/null, stdout+stderr appended to a log, cwd kept) under a detached sentinel that
 * records how it dies. The launcher itself only validates, starts the sentinel, waits for its "started"
 * line and prints pid, log and sentinel pid: it exits at once and nothing it started depends on it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../util/errors';
import { escapeControl } from '../util/escape';
import { startDetached } from '../observe/daemon-ready';
import { ensureStateDir, stateDir } from '../source/records/state-dir';
import { openAppend, secureDir } from '../source/safe-write';

export interface LaunchRequest {
  name?: string;
  log?: string;
  argv: string[];
}

/** A name safe as a file name: anything but [A-Za-z0-9._-] becomes `_`. */
function fileSafe(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return s.slice(0, 100) || 'process';
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Resolve CMD the way exec does (a slash: as given; else each PATH entry), or null. */
export function resolveCommand(cmd: string, envPath: string = process.env.PATH ?? ''): string | null {
  if (cmd.includes('/')) return executable(cmd) ? path.resolve(cmd) : null;
  for (const dir of envPath.split(':')) {
    const candidate = path.join(dir || '.', cmd);
    if (executable(candidate)) return candidate;
  }
  return null;
}

/** Default log: `<state dir>/logs/<name>.log` - private (0700 dir, 0600 file), stable, easy to find. */
function defaultLog(name: string): string {
  const dir = secureDir(path.join(ensureStateDir(stateDir()), 'logs'), 'log directory', true).dir;
  return path.join(dir, `${fileSafe(name)}.log`);
}

export interface LaunchPlan {
  name: string;
  log: string;
  argv: string[];
}

function planLaunch(req: LaunchRequest): LaunchPlan {
  const argv = req.argv;
  if (argv.length === 0 || argv[0] === '')
    throw new UsageError('launch needs a command: whydied launch [--name N] [--log FILE] -- CMD ARGS...');
  if (!resolveCommand(argv[0])) throw new UsageError(`command not found or not executable: ${escapeControl(argv[0])}`);
  const name = req.name ?? path.basename(argv[0]);
  if (name === '' || name.includes('\n')) throw new UsageError('--name must be a non-empty single line');
  const log = req.log ? path.resolve(req.log) : defaultLog(name);
  // Checked here (a clear exit 2 before anything starts) and again by the sentinel when it opens it.
  fs.closeSync(openAppend(log, { role: 'log' }));
  return { name, log, argv };
}

export async function runLaunch(req: LaunchRequest): Promise<number> {
  const plan = planLaunch(req);
  const started = await startDetached(
    ['launch', '--sentinel', '--name', plan.name, '--log', plan.log, '--', ...plan.argv],
    'ignore',
  );
  const info = started.info as { pid?: number } | null;
  if (!info || typeof info.pid !== 'number') throw new Error('the sentinel did not report the pid it started');
  const out = process.stdout;
  out.write(`launched ${escapeControl(plan.name)}: pid ${info.pid}\n`);
  out.write(`log: ${escapeControl(plan.log)}\n`);
  out.write(`sentinel: pid ${started.pid} (records how it ends; later: whydied ${escapeControl(plan.name)})\n`);
  return 0;
}
