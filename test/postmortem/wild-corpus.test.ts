/**
 * Real kernel logs from the wild (fixtures/wild: excerpts of public bug reports and other projects' test
 * data, kernels 2.6.23 to 6.x, x86/arm64/arm/powerpc/riscv/s390/mips, every saver), each run through the
 * built CLI as a support engineer would: `whydied scan --kmsg FILE --json` and `whydied PID --kmsg FILE
 * --json` for every victim and every named non-victim. Every hand-read field of fixtures/wild/manifest.json
 * is checked, and no sentence of any report may hold `(null)`, `undefined`, `NaN` or a raw log stamp.
 *
 * Each file is copied with its mtime set to 1 (as archives and reproducible builds leave it): a year-less
 * syslog stamp must then read "no year", not this year. (mtime and audit inference: wild-year.test.ts.)
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'whydied.js');
const WILD = path.join(ROOT, 'fixtures', 'wild');

interface Victim {
  pid: number;
  name: string;
  cause: 'oom-kill' | 'segfault' | 'trap' | 'signal';
  signal: string;
  at?: string;
  zone?: string;
  uptime?: number;
  memcg?: boolean | null;
  /** A kernel oops killed it (the kernel's bug during its system call, not the program's). */
  oops?: boolean;
  /** Where the kernel faulted (its RIP/pc line), and the module when the code is a module's. */
  oopsIn?: string;
  oopsModule?: string | null;
}
interface NonVictim {
  pid: number | null;
  name: string;
  role: string;
}
interface Entry {
  file: string;
  source: string;
  kernel: string;
  arch: string;
  saver: string;
  locale: string;
  victims: Victim[];
  nonVictims: NonVictim[];
  notUnderstood?: number;
  /** Kernel panics in the excerpt (the machine died): `scan` lists them apart from process deaths. */
  machineDeaths?: number;
}

interface ScanJson {
  deaths: Array<{
    pid: number | null;
    name: string;
    kind: string;
    signal?: string;
    source: string;
    what: string;
    logTime?: string;
    uptimeSec?: number;
    scope?: string | null;
  }>;
  notUnderstood: { count: number; examples: string[] };
  machineDeaths: Array<{ what: string; reason: string }>;
}
interface ReportJson {
  reports: Array<{
    verdict: {
      status: string;
      summary: string;
      cause?: { kind: string; signal?: string; details?: Record<string, unknown> };
    };
    checks: Array<{ id: string; summary: string; details: string[]; remedy?: { text: string } }>;
  }>;
}

const manifest: Entry[] = JSON.parse(fs.readFileSync(path.join(WILD, 'manifest.json'), 'utf8'));

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(new Error(`${args.join(' ')}: ${err.message} ${stderr}`));
      else if (stderr.includes('    at ')) reject(new Error(`${args.join(' ')}: stack trace on stderr: ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Run jobs a few at a time (the machine is shared). */
async function pool<T>(jobs: Array<() => Promise<T>>, width = 3): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

// A raw stamp of any saver left in a sentence: printk's, dmesg -T's, syslog's, ISO with a fraction, logread's.
const RAW_STAMP =
  /\[ *\d+\.\d*\]|\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|[a-zé]{2,4}\.?) [^\]]{3,12} \d\d:\d\d:\d\d \d{4}\]|\b\d\d:\d\d:\d\d[.,]\d{3,}|^\w{3} +\d{1,2} \d\d:\d\d:\d\d /;
const BAD_WORDS = /\(null\)|\bundefined\b|\bNaN\b/;

function sentenceProblems(where: string, s: string): string[] {
  const out: string[] = [];
  if (BAD_WORDS.test(s)) out.push(`${where}: ${s}`);
  if (RAW_STAMP.test(s)) out.push(`${where} has a raw stamp: ${s}`);
  return out;
}

/** Every sentence of a report: summaries, remedies, and details other than the quoted kernel lines. */
function reportSentences(r: ReportJson): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const rep of r.reports) {
    out.push(['verdict', rep.verdict.summary]);
    for (const c of rep.checks) {
      out.push([c.id, c.summary]);
      for (const d of c.details) if (!d.startsWith('kernel: ')) out.push([`${c.id} detail`, d]);
      if (c.remedy) out.push([`${c.id} remedy`, c.remedy.text]);
    }
  }
  return out;
}

/**
 * The victims asked about one by one with `PID --kmsg` (every one is checked through scan): up to three per
 * excerpt, the first, a middle one and the last, so a file of ten segfaults costs three runs, not ten.
 */
function reportedVictims(e: Entry): Victim[] {
  const v = e.victims;
  return v.length <= 3 ? v : [v[0], v[Math.floor(v.length / 2)], v[v.length - 1]];
}

let tmp: string;
const results = new Map<string, { scan: ScanJson; scanText: string; reports: Map<number, ReportJson> }>();

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-wild-'));
  const jobs: Array<() => Promise<void>> = [];
  for (const e of manifest) {
    const file = path.join(tmp, e.file);
    fs.copyFileSync(path.join(WILD, e.file), file);
    fs.utimesSync(file, 1, 1);
    const slot = { scan: {} as ScanJson, scanText: '', reports: new Map<number, ReportJson>() };
    results.set(e.file, slot);
    jobs.push(async () => {
      slot.scan = JSON.parse(await run(['scan', '--kmsg', file, '--json'])) as ScanJson;
    });
    jobs.push(async () => {
      slot.scanText = await run(['scan', '--kmsg', file]);
    });
    const pids = new Set<number>([
      ...reportedVictims(e).map((v) => v.pid),
      ...e.nonVictims.flatMap((n) => (n.pid === null ? [] : [n.pid])),
    ]);
    for (const pid of pids)
      jobs.push(async () => {
        slot.reports.set(pid, JSON.parse(await run([String(pid), '--kmsg', file, '--json'])) as ReportJson);
      });
  }
  await pool(jobs, 4);
  // ~300 CLI runs: about 30 s on an idle 2-core machine; the bound is for a shared, loaded one.
}, 600000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the corpus holds at least 80 real excerpts with provenance, every file listed once', () => {
  const files = fs.readdirSync(WILD).filter((f) => f.endsWith('.txt'));
  expect(manifest.length).toBeGreaterThanOrEqual(80);
  expect(new Set(manifest.map((e) => e.file)).size).toBe(manifest.length);
  expect(files.sort()).toEqual(manifest.map((e) => e.file).sort());
  for (const e of manifest) {
    // A GitHub issue, pull request or file at a commit, or a public mailing-list archive page.
    expect(e.source).toMatch(
      /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(issues|pull|blob)\/|^https?:\/\/[\w.-]+\.[a-z]{2,}\/\S+$/,
    );
    expect(e.kernel).not.toBe('');
    expect(e.saver).not.toBe('');
  }
});

/** Each failure shape issue 19 reports, and the real excerpts that pin it (their checks are below). */
const SHAPES: Record<string, string[]> = {
  'pre-5.1 memory-cgroup kills without oom-kill:constraint read as a memory cgroup limit': [
    'ltp-1080-memcg-sacrifice.txt',
    'doris-3525-memcg-sacrifice.txt',
    'k8s-56891-dmesg-T-memcg-3.10.txt',
    'docker-1001-kernlog-memcg-4.15.txt',
  ],
  'dmesg -x with -T, in another language': ['cosmic-234-dmesg-xT-es.txt'],
  'rsyslog kern.log with the printk stamp after the syslog prefix': [
    'docker-1001-kernlog-oom-resolved.txt',
    'docker-1001-kernlog-memcg-4.15.txt',
    'luke-oom-messages-2.6.32.txt',
  ],
  'journalctl --no-hostname and lines whose date/host were cut off': [
    'sof-3387-monotonic-no-hostname-hung.txt',
    'node-32754-cut-prefix-trap.txt',
    'cups-6236-cut-prefix-gp.txt',
    'tugraph-977-title-cut-line.txt',
  ],
  'OpenWrt logread': ['lede-2878-openwrt-logread.txt', 'lede-9918-openwrt-x86-gp.txt'],
  'arm64 user faults (unhandled level N translation fault)': [
    'popcorn-22-arm64-l2-fault.txt',
    'pine64-60-arm64-l1-fault-syslog.txt',
    'optee-1620-arm64-rpi3.txt',
  ],
  'potentially unexpected fatal signal / print-fatal-signals': [
    'asuswrt-114-arm-unexpected-signal.txt',
    'venus-1334-dmesg-T-fatal-signal-6.txt',
    'venus-315-arm-3.7-fatal-signal.txt',
    'weimarnetz-249-mips-fatal-signal.txt',
  ],
  'audit ANOM_ABEND': ['selinux-1449-journal-anom-abend.txt', 'audisp-json-8-audit-log-and-kernel.txt'],
  '(null) where the log has no memory-cgroup detail': [
    'ltp-1080-memcg-sacrifice.txt',
    'tugraph-977-title-cut-line.txt',
  ],
  'a syslog file whose first line is from user space': [
    'docker-1001-kernlog-journald-killed.txt',
    'moby-38352-messages-3.10-dockerd.txt',
  ],
  'a year-less syslog log is never dated this year (wild-year.test.ts dates it from the file)': [
    'doris-3525-memcg-sacrifice.txt',
    'vorta-455-journal-truncated-audit.txt',
  ],
  // Families and savers added after the first 81 (issue 19's second pass):
  'arm64 5.0+ "unhandled exception:" (MTE tag check faults)': ['dashdiag-arm64-6.8-mte-unhandled-exception.txt'],
  'riscv "unhandled signal N code 0x.. at" (5.x-6.x), a console that printed every line twice': [
    'autocfg-51-riscv-5.17-trailing-spaces.txt',
    'sophgo-114-riscv-6.6-two-ld.txt',
    'cva6-681-riscv-5.1-doubled-console.txt',
  ],
  'powerpc show_signal_msg before and since 4.20, wrapped and mail-quoted': [
    'hostboot-155-ppc-mail-quoted-syslog.txt',
    'syslog-ng-4285-ppc64le-wrapped-console.txt',
  ],
  'two pid-less fatal-signal reports in one second, each with its own task line': [
    'asuswrt-788-arm-two-fatal-signals-interleaved.txt',
  ],
  'OOM with nobody killed (no killable processes, panic_on_oom), or an excerpt that ends before the kill': [
    'tempesta-1789-no-killable-processes-5.10.txt',
    'xiangshan-9-riscv-4.18-no-killable-panic.txt',
    'sonic-2988-sysrq-compulsory-panic-3.16.txt',
    'harvester-2419-comm-space-slash-header-5.3.txt',
    'ecs-agent-4508-dmesg-T-memcg-no-kill-line.txt',
  ],
  '2.6.2x-3.0 OOM headers (oomkilladj=, oom_adj=) and a 2.6.32 sacrifice of a child': [
    'lkml-2008-2.6.23-oomkilladj-mail-wrapped.txt',
    'osmonitor-54-android-3.0-oom-adj-header.txt',
    'emqx-356-rhel6-bare-sacrifice-child.txt',
  ],
  'Android lowmemorykiller driver in the kernel log, and an audit abend with no pid': [
    'gitbook-ulmm-android-lowmemorykiller-driver.txt',
    'roms-g800f-19-android-audit-no-pid.txt',
  ],
  'a seccomp kill (SIGSYS) read from audit records wrapped by the terminal': [
    'firejail-3510-journal-seccomp-sigsys-wrapped.txt',
  ],
  'kernel oopses kill the task they ran for (x86 old and new formats, 2.6.32 Pid: line, arm, arm64)': [
    'mptcp-461-x86-5.4-null-deref-oops.txt',
    'mptcp-71-x86-3.17-unable-to-handle-oops.txt',
    'sysdig-427-rhel6-2.6.32-raw-pid-comm-oops.txt',
    'bcachefs-878-dmesg-T-6.14-oops-invalid-opcode.txt',
    'rpi-6792-arm64-6.12-short-precise-oops.txt',
    'feh-574-arm-5.4-oops-17.txt',
    'openbmc-179-arm-5.1-console-prompt-process-line.txt',
  ],
  'a WARNING report names a task that lives on; a report ending in a panic is a machine death': [
    'crdroid-5-arm64-4.14-warning-not-death.txt',
    'rpi-1088-syslog-arm-3.18-warning-hostapd.txt',
    'licheepi4a-22-riscv-5.10-panic-in-interrupt.txt',
    'openwrt-17266-arm64-raw-prio-panic-fatal-exception.txt',
    'pine64-5-arm64-4.4-panic-in-interrupt-swapper.txt',
  ],
  'user-space OOM notes (systemd-oomd, systemd per-unit) are not kernel deaths': [
    'systemd-32304-journal-fr-oomd-no-kernel-kill.txt',
    'openprescribing-5431-rfc3339-systemd-oom-units-no-kernel-line.txt',
  ],
  // The third pass (wild-logs): shapes that failed before it, each pinned by a real excerpt.
  "user-space death lines, read only under their program's tag or its own kmsg tag: systemd-coredump, earlyoom (and its 'did not exit'), systemd-oomd's pid line, upstart":
    [
      'systemd-37325-dmesg-coredump-journald.txt',
      'systemd-28559-journal-coredump-hyperlink-glyph.txt',
      'vorta-455-journal-truncated-audit.txt',
      'earlyoom-309-journal-sigterm-uid.txt',
      'earlyoom-354-no-host-sigterm-did-not-exit.txt',
      'systemd-20690-journal-oomd-attempting-to-kill.txt',
      'systemd-42321-monotonic-oomd-kills-journald.txt',
      'rsyslog-475-upstart-thread-comm-space-segv.txt',
    ],
  'a paste glued to a code fence or backtick, an indented journal line, a date cut with the host kept': [
    'py-autovod-7-dmesg-T-oom-digit-commas.txt',
    'graph-comb-opt-24-cut-prefix-divide-error.txt',
    'abrt-1219-journal-trap-split-kern-cont.txt',
    'mate-23-syslog-date-cut-caja-2011.txt',
  ],
  "syslogd's wall message (its header dates the line), and arm __die's task line as the only line of an oops": [
    'rockpro64-4-wall-message-arm64-oops.txt',
    'chia-plotter-535-wall-message-soft-lockup.txt',
  ],
  "arm's empty die string ('Internal error: : 1b [#3]') and 'PC is at' as where the kernel faulted": [
    'penguin-532-arm-4.10-internal-error-empty-str.txt',
  ],
};

test.each(Object.entries(SHAPES))('failure shape pinned by real excerpts: %s', (_shape, files) => {
  const names = new Set(manifest.map((e) => e.file));
  for (const f of files) expect(names.has(f)).toBe(true);
});

describe.each(manifest.map((e) => [e.file, e] as const))('%s', (_file, e) => {
  test('scan lists exactly the hand-read victims, with cause, signal, scope and time', () => {
    const { scan } = results.get(e.file)!;
    const kernel = scan.deaths.filter((d) => d.source === 'kernel-log');
    expect(kernel.map((d) => d.pid).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      e.victims.map((v) => v.pid).sort((a, b) => a - b),
    );
    for (const v of e.victims) {
      const d = kernel.find((x) => x.pid === v.pid)!;
      expect({ pid: d.pid, name: d.name, kind: d.kind, signal: d.signal }).toEqual({
        pid: v.pid,
        name: v.name,
        kind: v.cause,
        signal: v.signal,
      });
      if (v.cause === 'oom-kill') {
        const want = v.memcg === true ? 'memcg' : v.memcg === false ? 'system' : null;
        expect({ pid: v.pid, scope: d.scope }).toEqual({ pid: v.pid, scope: want });
      }
      expect({ pid: v.pid, logTime: d.logTime }).toEqual({
        pid: v.pid,
        logTime: v.at === undefined ? undefined : `${v.at}${v.zone ? ` ${v.zone}` : ''}`,
      });
      if (v.uptime === undefined) expect(d.uptimeSec).toBeUndefined();
      else expect(Math.abs((d.uptimeSec ?? NaN) - v.uptime)).toBeLessThan(1e-6);
    }
    // Nothing named in the log that did not die there may be listed as a death.
    for (const n of e.nonVictims) if (n.pid !== null) expect(kernel.map((d) => d.pid)).not.toContain(n.pid);
    expect(scan.notUnderstood.count).toBe(e.notUnderstood ?? 0);
    expect(scan.machineDeaths.length).toBe(e.machineDeaths ?? 0);
  });

  test('PID --kmsg explains each victim from its own line, and no non-victim as a death', () => {
    const { reports } = results.get(e.file)!;
    for (const v of reportedVictims(e)) {
      const rep = reports.get(v.pid)!.reports[0];
      expect({ pid: v.pid, status: rep.verdict.status }).toEqual({ pid: v.pid, status: 'died' });
      const c = rep.verdict.cause!;
      expect({ pid: c.details?.pid, comm: c.details?.comm, kind: c.kind, signal: c.signal }).toEqual({
        pid: v.pid,
        comm: v.name,
        kind: v.cause,
        signal: v.signal,
      });
      if (v.cause === 'oom-kill') {
        const s = rep.verdict.summary;
        if (v.memcg === true) expect(s).toMatch(/memory cgroup/);
        if (v.memcg === false) expect(s).toMatch(/machine ran out of memory/);
        if (v.memcg === null) expect(s).toMatch(/does not say whether/);
      }
      if (v.at) expect(rep.verdict.summary).toContain(v.at.slice(-8));
      // A kernel oops: the kernel's own bug, said so, with a kernel update as the fix; never the program's fault.
      expect({ pid: v.pid, oops: c.details?.reason === 'kernel-oops' }).toEqual({ pid: v.pid, oops: v.oops === true });
      if (v.oops) {
        expect(c.details?.kernelSent).toBe(true);
        // Where the kernel faulted, when its RIP/pc line is in the excerpt: a module's code names the module.
        expect(rep.verdict.summary).toMatch(
          /the kernel hit a bug \(an oops\)(?: in \S+\+0x[0-9a-f]+\/0x[0-9a-f]+(?: of module [\w-]+)?)? while running a system call for it/,
        );
        expect(rep.verdict.summary).toMatch(/not a fault in the program itself/);
        const remedy = rep.checks.find((k) => k.id === 'kernel-log')?.remedy?.text ?? '';
        const mod = c.details?.oopsModule;
        if (v.oopsIn !== undefined)
          expect({ in: c.details?.oopsIn, module: mod ?? null }).toEqual({
            in: v.oopsIn,
            module: v.oopsModule ?? null,
          });
        if (typeof mod === 'string') {
          expect(rep.verdict.summary).toContain(`of module ${mod}`);
          expect(remedy).toContain(`the kernel module ${mod}`);
          expect(remedy).toMatch(/maintainers/);
        } else {
          expect(remedy).toMatch(/update the kernel/);
          expect(remedy).toMatch(/upstream/);
        }
      }
    }
    for (const n of e.nonVictims) {
      if (n.pid === null) continue;
      const rep = reports.get(n.pid)!.reports[0];
      // A task named after a panic: the report says the machine died, and claims no death of its own.
      if (n.role === 'panic') {
        const k = rep.checks.find((c) => c.id === 'kernel-log');
        expect(k?.details.some((d) => /^The kernel panicked \(/.test(d))).toBe(true);
      }
      expect({ pid: n.pid, role: n.role, status: rep.verdict.status }).not.toEqual({
        pid: n.pid,
        role: n.role,
        status: 'died',
      });
    }
  });

  test('no sentence holds (null), undefined, NaN or a raw log stamp', () => {
    const { reports, scanText } = results.get(e.file)!;
    const problems: string[] = [];
    for (const [pid, r] of reports)
      for (const [where, s] of reportSentences(r)) problems.push(...sentenceProblems(`pid ${pid} ${where}`, s));
    for (const l of scanText.split('\n')) problems.push(...sentenceProblems('scan', l));
    expect(problems).toEqual([]);
  });
});
