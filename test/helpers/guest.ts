/**
 * What the two booted test hosts share (the systemd container of test/systemd and the cgroup v2 VM of
 * test/v2vm): a driver script with `check`/`up`/`down`, a skip file written by the project's global setup, and,
 * once a host can run a shell command inside, the same helpers on top of that command (must, waitInside,
 * whydied --json, report, check). Each harness supplies only how it gets in (nsenter or ssh).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import type { Report } from '../../src/engine/types';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface WhydiedRun extends Result {
  reports: Report[];
}

/** The driver script of a test host (scripts/systemd-env.sh, scripts/v2vm.sh). */
export function driver(script: string, nodeEnv: string, needsRoot: string) {
  const run = (args: string[], timeoutMs: number): Result => {
    // The node running the tests is the one whydied runs with inside.
    const r = spawnSync(script, args, {
      encoding: 'utf8',
      timeout: timeoutMs,
      env: { ...process.env, [nodeEnv]: process.execPath },
    });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
  };
  return {
    /** Why this machine cannot run the host, or null. */
    cannotBoot(): string | null {
      if (process.getuid?.() !== 0) return `not root (${needsRoot})`;
      const r = run(['check'], 10000);
      return r.code === 0 ? null : r.stdout.trim() || r.stderr.trim() || `${script} check failed`;
    },
    /** Build when needed and boot (idempotent); the number the script prints after `running`, and the time. */
    up(timeoutMs: number): { value: number; ms: number } {
      const t0 = Date.now();
      const r = run(['up'], timeoutMs);
      const m = /running (\d+)/.exec(r.stdout);
      if (r.code !== 0 || !m)
        throw new Error(`${script} up failed (${r.code}): ${r.stderr.trim().split('\n').slice(-8).join(' / ')}`);
      return { value: Number(m[1]), ms: Date.now() - t0 };
    },
    down(timeoutMs: number): Result {
      return run(['down'], timeoutMs);
    },
  };
}

/** Null when the host is up; otherwise the reason global setup left in `skipFile`, or how to get one. */
export function skipReason(up: boolean, skipFile: string, what: string, project: string): string | null {
  if (up) return null;
  try {
    return fs.readFileSync(skipFile, 'utf8').trim() || `${what} is not up`;
  } catch {
    return `${what} is not up (run through the jest project \`${project}\`, whose global setup boots it)`;
  }
}

export const shellQuote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

/** The reports of a `--json` run (one envelope `{schema, reports}`, whydied.report/2), or none. */
export function parseReports(stdout: string): Report[] {
  try {
    const parsed = JSON.parse(stdout) as { reports?: Report[] };
    return Array.isArray(parsed.reports) ? parsed.reports : [];
  } catch {
    return [];
  }
}

/** A command that runs whydied with a private state dir (no machine state leaks in) and removes it after. */
export const privateStateRun = (cli: string, args: readonly string[]): string =>
  `d=$(mktemp -d) && WHYDIED_STATE_DIR=$d node ${[cli, ...args, '--json'].map(shellQuote).join(' ')}; rc=$?; rm -rf "$d"; exit $rc`;

/** The helpers every test host offers once it can run `sh -c CMD` inside as root. */
export function guest(
  sh: (cmd: string, timeoutMs?: number) => Result,
  opts: { cli: string; timeoutMs: number; whydiedMs: number; waitMs: number; pollMs: number },
) {
  const must = (cmd: string, timeoutMs = opts.timeoutMs): string => {
    const r = sh(cmd, timeoutMs);
    if (r.code !== 0) throw new Error(`inside: ${cmd} -> ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout.trim();
  };
  const whydied = (args: string[], timeoutMs = opts.whydiedMs): WhydiedRun => {
    const r = sh(privateStateRun(opts.cli, args), timeoutMs);
    return { ...r, reports: parseReports(r.stdout) };
  };
  return {
    /** Like sh, but throws with the output when the command fails; returns trimmed stdout. */
    must,
    /** Write a file inside (through base64: no quoting of the content). */
    writeInside(file: string, content: string): void {
      must(`echo ${Buffer.from(content).toString('base64')} | base64 -d > '${file}'`);
    },
    /** Poll a command inside until it exits 0 (true) or the time is up (false). */
    async waitInside(cmd: string, timeoutMs = opts.waitMs, stepMs = opts.pollMs): Promise<boolean> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        if (sh(cmd).code === 0) return true;
        if (Date.now() > end) return false;
        await new Promise((r) => setTimeout(r, stepMs));
      }
    },
    /** systemctl show UNIT -p PROP --value, inside. */
    unitProp(unit: string, prop: string): string {
      return must(`systemctl show ${unit} -p ${prop} --value`);
    },
    /** `whydied ARGS --json` inside as root, with a private state dir. */
    whydied,
    /** The one report for a target, or a thrown error with what whydied printed. */
    report(args: string[]): Report {
      const r = whydied(args);
      if (r.reports.length === 0)
        throw new Error(`whydied ${args.join(' ')} -> ${r.code}: ${r.stderr.trim()} ${r.stdout.slice(0, 500)}`);
      return r.reports[0];
    },
  };
}

export function check(rep: Report, id: string): Report['checks'][number] {
  const f = rep.checks.find((c) => c.id === id);
  if (!f) throw new Error(`no ${id} check in ${rep.checks.map((c) => c.id).join(',')}`);
  return f;
}
