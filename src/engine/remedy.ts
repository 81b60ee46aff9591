/**
 * Remedy: concrete, pasteable commands that relaunch the process so the threats found cannot reach it.
 * Built from the process's own argv and cwd (hostile data), so every word goes through shellQuote.
 */
import { shellQuote, shellQuoteArgv } from './shell-quote';

export interface RemedyInput {
  argv: readonly string[];
  /** The executable (/proc/PID/exe): used when argv[0] was rewritten (exec -a, login-shell dash). */
  exe: string | null;
  cwd: string | null;
  /** comm, for naming units, sessions and logs when argv[0] is unusable. */
  comm: string;
  /** Where its stdout goes today when that is a regular file (keep appending there). */
  stdoutFile: string | null;
  /** CI marker names found in its environment (never values). */
  ciMarkers: readonly string[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** A name safe for a systemd unit, a tmux session and a file name: [A-Za-z0-9_.-], not starting with a dot. */
export function safeName(raw: string): string {
  const base = raw.slice(raw.lastIndexOf('/') + 1).replace(/^-+/, '');
  const clean = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '').replace(/-+$/, '').slice(0, 40);
  return clean || 'job';
}

/** The argv to relaunch: argv[0] is replaced by exe when it is not something a shell could run. */
export function relaunchArgv(input: RemedyInput): string[] {
  const argv = [...input.argv];
  if (argv.length === 0) return input.exe ? [input.exe] : [];
  const a0 = argv[0];
  if (input.exe && (a0 === '' || a0.startsWith('-') || CONTROL.test(a0))) argv[0] = input.exe.replace(/ \(deleted\)$/, '');
  return argv;
}

/** Commands, best first. Empty when there is no argv to relaunch (kernel threads, unreadable cmdline). */
export function buildRemedy(input: RemedyInput): string[] {
  const argv = relaunchArgv(input);
  if (argv.length === 0) return [];
  const name = safeName(argv[0] || input.comm);
  const cmd = shellQuoteArgv(argv);
  const log = input.stdoutFile && !CONTROL.test(input.stdoutFile) ? input.stdoutFile : `/tmp/${name}.log`;
  const cd = input.cwd ? `cd ${shellQuote(input.cwd)} && ` : '';
  const detached = `setsid -f ${cmd} </dev/null >>${shellQuote(log)} 2>&1`;
  const out: string[] = [];

  // CI escapes first when a runner would reap it: a new session does not hide it from env-based reapers.
  const markers = new Set(input.ciMarkers);
  if (markers.has('RUNNER_TRACKING_ID') || markers.has('GITHUB_ACTIONS')) out.push(`${cd}RUNNER_TRACKING_ID= ${detached}`);
  if (markers.has('BUILD_ID') || markers.has('JENKINS_NODE_COOKIE') || markers.has('JENKINS_URL')) {
    out.push(`${cd}JENKINS_NODE_COOKIE=dontKillMe BUILD_ID=dontKillMe ${detached}`);
  }
  out.push(`${cd}${detached}`);
  const wd = input.cwd ? ` --working-directory=${shellQuote(input.cwd)}` : '';
  out.push(`systemd-run --user --unit=${shellQuote(name)}${wd} ${cmd}`);
  const tmuxCwd = input.cwd ? ` -c ${shellQuote(input.cwd)}` : '';
  out.push(`tmux new -d -s ${shellQuote(name)}${tmuxCwd} ${cmd}`);
  return out;
}
