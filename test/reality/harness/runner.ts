/**
 * Automation-tool runners: a tool process (node, like a CI agent or a deploy tool) runs `bash -c SCRIPT` in a
 * new process group, waits for it, and later may kill that group the way CI runners end a step
 * (SIGTERM to the group, a grace period, SIGKILL).
 *
 * Two ways a tool makes the group, both real: `setpgid` (Go's SysProcAttr.Setpgid, what gitlab-runner does;
 * the script stays in the tool's session) and `setsid` (node's `detached: true`: a new session and group).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanEnv } from '../../scenarios/helpers';
import { groupMembers, isAlive, procStat, track, waitFor, waitGone } from '../../helpers/processes';
import { onTeardown } from './teardown';

export type GroupMode = 'setpgid' | 'setsid';

export interface RunnerOptions {
  /**
   * Added to the script's environment (the tool's own is the test's without CI markers): a CI runner stamps
   * its job markers on the steps it starts, not on itself.
   */
  env?: Record<string, string>;
  /** The tool stays alive after the script's shell exits (a runner waiting for the job's end). Default false. */
  keepAlive?: boolean;
  /** How the script's shell gets its own process group. Default `setpgid`. */
  group?: GroupMode;
}

export interface Runner {
  /** The tool (parent of the script's shell). */
  toolPid: number;
  /** The `bash -c` running the script; it leads the group. */
  shellPid: number;
  pgid: number;
  /** A temp dir of the runner's (removed by stop): scripts may write pid files there. */
  dir: string;
  /** The file holding the script's stdout and stderr. */
  log: string;
  /** Resolves when the script's shell has exited, with how it ended (as the tool saw it). */
  shellExit: Promise<{ code: number | null; signal: string | null }>;
  /** Kill the tool and everything left in the group. Idempotent. */
  stop(): Promise<void>;
}

// The tool: spawn the script's shell, report its pid and its end on stdout, optionally stay alive.
const TOOL = `
const { spawn } = require('child_process');
const fs = require('fs');
const [mode, script, log, keep, extra] = process.argv.slice(1);
const out = fs.openSync(log, 'a');
const opts = { stdio: ['ignore', out, out], env: { ...process.env, ...JSON.parse(extra) } };
const child = mode === 'setsid'
  ? spawn('bash', ['-c', script], { ...opts, detached: true })
  : spawn('python3', ['-c', 'import os, sys; os.setpgid(0, 0); os.execvp(sys.argv[1], sys.argv[1:])', 'bash', '-c', script], opts);
process.stdout.write('pid ' + child.pid + '\\n');
child.on('exit', (code, signal) => {
  process.stdout.write('exit ' + code + ' ' + signal + '\\n');
  if (keep !== '1') process.exit(0);
});
if (keep === '1') setInterval(() => undefined, 1 << 30);
`;

export async function startRunner(script: string, opts: RunnerOptions = {}): Promise<Runner> {
  const mode = opts.group ?? 'setpgid';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-runner-'));
  const log = path.join(dir, 'job.log');
  const tool = spawn(
    process.execPath,
    ['-e', TOOL, mode, script, log, opts.keepAlive ? '1' : '0', JSON.stringify(opts.env ?? {})],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: cleanEnv(),
    },
  );
  if (!tool.pid) throw new Error('could not start the tool');
  const toolPid = track(tool.pid);
  let text = '';
  let resolveExit: (v: { code: number | null; signal: string | null }) => void = () => undefined;
  const shellExit = new Promise<{ code: number | null; signal: string | null }>((r) => (resolveExit = r));
  const parseExit = (): boolean => {
    const m = /^exit (\S+) (\S+)$/m.exec(text);
    if (m) resolveExit({ code: m[1] === 'null' ? null : parseInt(m[1], 10), signal: m[2] === 'null' ? null : m[2] });
    return m !== null;
  };
  tool.stdout?.setEncoding('utf8').on('data', (d: string) => {
    text += d;
    parseExit();
  });
  // A tool killed before the script ended never reports it: say so instead of leaving a waiter hanging.
  tool.on('close', () => {
    if (!parseExit()) resolveExit({ code: null, signal: 'unknown: the tool died first' });
  });

  let shellPid = 0;
  const stop = onTeardown(`runner tool ${toolPid}`, async () => {
    const left = shellPid > 0 ? groupMembers(shellPid) : [];
    for (const p of [toolPid, ...left]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await waitGone([toolPid, ...left], 5000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const started = await waitFor(() => {
    const m = /^pid (\d+)$/m.exec(text);
    if (m) shellPid = parseInt(m[1], 10);
    return shellPid > 0;
  }, 10000);
  if (!started) {
    await stop();
    throw new Error('the tool reported no pid');
  }
  track(shellPid);
  // Wait until the shell leads its group (the python wrapper has called setpgid), unless it already ended.
  await waitFor(() => !isAlive(shellPid) || procStat(shellPid)?.pgid === shellPid, 5000);
  return { toolPid, shellPid, pgid: shellPid, dir, log, shellExit, stop };
}

export interface GroupKill {
  /** Members when SIGTERM was sent. */
  termed: number[];
  /** Members still alive after the grace period, sent SIGKILL. */
  killed: number[];
}

/**
 * End a process group as CI runners end a step: SIGTERM to the group, wait up to `graceMs` for it to empty,
 * then SIGKILL to the group; returns once every member is gone (bounded). `term: false` sends SIGKILL only.
 */
export async function killGroup(pgid: number, opts: { graceMs?: number; term?: boolean } = {}): Promise<GroupKill> {
  const term = opts.term ?? true;
  const termed = term ? groupMembers(pgid) : [];
  if (term) {
    signalGroup(pgid, 'SIGTERM');
    await waitFor(() => groupMembers(pgid).length === 0, opts.graceMs ?? 2000);
  }
  const killed = groupMembers(pgid);
  if (killed.length) {
    signalGroup(pgid, 'SIGKILL');
    if (!(await waitGone(killed, 5000)))
      throw new Error(`group ${pgid} survived SIGKILL: ${groupMembers(pgid).join(' ')}`);
  }
  return { termed, killed };
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* the group is empty */
  }
}
