/**
 * Fuzzing every CLI surface with hostile input: arguments of every command, crafted bundles, and kernel-log,
 * journal and record-store texts inside bundles. Whatever the input: a documented exit code (never 70), bad
 * input as exactly one `whydied: ` line on stderr, never a stack trace, never a raw control or bidi character
 * on stdout or stderr, and a bounded time. Most runs go through the real CLI entry in-process (`run(args)`,
 * stdout and stderr captured); a few spawn the built CLI to cover the process boundary.
 *
 * Commands that would start something real are pinned to their refusals: `record` only with --print-unit or
 * a bad option, `launch` only with a command that cannot exist, `watch` only with a short --timeout, `run`
 * only with `true`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { run } from '../../src/cli/run';
import { runCli } from '../helpers/processes';

const DOCUMENTED = [0, 1, 2, 3, 4];
/** C0 but \n, DEL, C1, U+2028/9, every bidi control, BOM. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
// A fixed seed keeps CI reproducible; WHYDIED_FUZZ_SEED explores others (seeds 1-30 were run clean).
const SEED = Number(process.env.WHYDIED_FUZZ_SEED ?? 20261122);
// eslint-style note: printed so a failure can be replayed with WHYDIED_FUZZ_SEED.
console.log(`fuzz seed ${SEED}`);

let tmp: string;
/** Exit codes seen, printed at the end: a fuzz run that only ever hits one refusal tests little. */
const codes = new Map<number, number>();
afterAll(() => console.log(`fuzz exit codes: ${JSON.stringify([...codes.entries()].sort())}`));
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fuzz-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The real CLI entry, in this process, with stdout and stderr captured. */
async function runInProcess(args: string[]): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  const t0 = Date.now();
  process.exitCode = undefined;
  try {
    await run(args);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr, ms: Date.now() - t0 };
}

function check(args: readonly string[], o: Outcome, maxMs: number): void {
  const where = `args ${JSON.stringify(args)} -> exit ${o.code}, stderr ${JSON.stringify(o.stderr.slice(0, 300))}`;
  if (!DOCUMENTED.includes(o.code)) throw new Error(`undocumented exit code: ${where}`);
  const errLines = o.stderr.split('\n').filter((l) => l !== '');
  if (o.code === 2 && (errLines.length !== 1 || !errLines[0].startsWith('whydied: ')))
    throw new Error(`usage error is not one line: ${where}`);
  if (errLines.length > 2) throw new Error(`more than one stderr line: ${where}`);
  if (/^\s+at /m.test(o.stderr)) throw new Error(`stack trace: ${where}`);
  if (RAW.test(o.stderr)) throw new Error(`raw control character on stderr: ${where}`);
  if (RAW.test(o.stdout))
    throw new Error(`raw control character on stdout: ${where} ${JSON.stringify(o.stdout.match(RAW))}`);
  if (o.ms > maxMs) throw new Error(`took ${o.ms} ms: ${where}`);
}

/** Hostile words: controls, bidi, dashes, numbers at the edges, paths that are not files. */
const hostile = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '\x1b[31mred',
      '\u202eevil',
      'a\u061cb',
      '\u2066x\u2069',
      'new\nline',
      'cr\r',
      'nul\u0000',
      '\u009b',
      '\u200f',
      '\ufeff',
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '-bash',
      '--',
      '-',
      ':0',
      ':65536',
      ':-1',
      ':8080',
      '0',
      '-1',
      '1e-9',
      'NaN',
      'Infinity',
      '99999999999',
      '4194304',
      '0x10',
      '007',
      ' 1',
      '',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('/proc/x', '/proc/version', '/dev/null', '/nonexistent/x', '/tmp', '.', '..', '/'),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 8 }) },
);

const diagOption = fc.oneof(
  fc.constant(['--json']),
  fc.constant(['--no-color']),
  hostile.map((v) => ['--format', v]),
  hostile.map((v) => ['--only', v]),
  hostile.map((v) => ['--skip', v]),
  hostile.map((v) => ['--from', v]),
  hostile.map((v) => ['--check', `/nonexistent/${v}`]),
  fc.constant(['--only']),
  fc.constant(['--from']),
  hostile.map((v) => [`--${v}`]),
);

/** One command line of any command, pinned so nothing real is started. */
const commandLine: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(hostile, fc.array(diagOption, { maxLength: 3 })).map(([t, o]) => [t, ...o.flat()]),
  fc.tuple(hostile, fc.array(diagOption, { maxLength: 2 })).map(([t, o]) => ['diagnose', ...o.flat(), '--', t]),
  fc
    .tuple(hostile, hostile)
    .map(([p, o]) => ['capture', p, '-o', path.join(tmp, `b-${Buffer.from(o).toString('hex').slice(0, 20)}.json`)]),
  fc
    .tuple(hostile, fc.boolean())
    .map(([p, noValue]) => (noValue ? ['capture', p, '-o'] : ['capture', p, '--check', p])),
  hostile.map((v) => ['checks', '--check', v]),
  fc
    .tuple(fc.array(hostile, { minLength: 1, maxLength: 2 }), hostile)
    .map(([pids, t]) => ['watch', ...pids, '--backend', 'poll', '--timeout', t]),
  fc.tuple(hostile, hostile).map(([a, b]) => ['record', '--print-unit', '--state-dir', a, '--cap-mb', b]),
  fc
    .tuple(hostile, fc.constantFrom('--cap-mb', '--buffer-kb', '--state-dir'))
    .map(([v, o]) => ['record', o, v, '--cap-mb', '-1']),
  fc.tuple(hostile, hostile).map(([n, c]) => ['launch', '--name', n, '--', `/nonexistent/${c}`]),
  fc.tuple(hostile).map(([l]) => ['launch', '--log', l]),
  // run: only `true` is started (it succeeds, so no output or hook is used); the outputs are still parsed.
  fc.tuple(hostile, fc.constantFrom('--output', '--on-death')).map(([v, o]) => ['run', o, v, '--', 'true']),
  hostile.map((v) => ['record', '--print-unit', '--output', v]),
);

describe('fuzz: every command line', () => {
  it('in-process: documented exit code, one stderr line for bad input, nothing raw, bounded time', async () => {
    await fc.assert(
      fc.asyncProperty(commandLine, async (args) => {
        // A --timeout fuzz value may be a valid small number: watch then waits that long at most.
        const o = await runInProcess(args);
        check(args, o, 15000);
        codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
      }),
      { numRuns: 150, seed: SEED, endOnFailure: true },
    );
  }, 120000);

  it('spawned: the same through a real process boundary (a few runs)', () => {
    fc.assert(
      fc.property(commandLine, (raw) => {
        // argv cannot carry a NUL byte across exec.
        const args = raw.map((a) => a.replace(/\u0000/g, ''));
        const t0 = Date.now();
        const r = runCli(args, { timeoutMs: 20000 });
        check(args, { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 }, 20000);
      }),
      { numRuns: 12, seed: SEED, endOnFailure: true },
    );
  }, 120000);
});

// ---- bundles ----

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'scenarios');
const base = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'bundle.json'), 'utf8'));

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e300,
    -1e300,
    1.5,
    '',
    'x',
    [],
    {},
    'not a date',
    '2026-99-99T99:99:99Z',
    8.64e15 + 1,
  ),
  hostile,
  fc.double(),
  fc.integer(),
  fc.array(hostile, { maxLength: 3 }),
  fc.dictionary(hostile, hostile, { maxKeys: 2 }),
);

/** Kernel log lines in every format whydied reads, with hostile comms and edge numbers. */
const comm = fc.oneof(hostile, fc.constantFrom('python3', 'sleep', 'a b', 'x)y', '(paren', ''));
const num = fc.oneof(fc.nat(), fc.constantFrom(0, 12934, 14290, 4294967295, 99999999999), fc.integer());
const kernelLine = fc.oneof(
  fc.tuple(comm, num).map(([c, p]) => `${c}[${p}]: segfault at 0 ip 00007f sp 00007f error 4 in libc.so.6[7f+1000]`),
  fc
    .tuple(comm, num, num)
    .map(
      ([c, p, kb]) =>
        `Out of memory: Killed process ${p} (${c}) total-vm:${kb}kB, anon-rss:${kb}kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0`,
    ),
  fc
    .tuple(comm, num)
    .map(
      ([c, p]) =>
        `oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/x,task_memcg=/x,task=${c},pid=${p},uid=0`,
    ),
  comm.map((c) => `${c} invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0`),
  fc
    .tuple(comm, num)
    .map(([c, p]) => `traps: ${c}[${p}] trap divide error ip:401136 sp:7ffd error:0 in dz[401000+1000]`),
  fc.tuple(comm, num, num).map(([c, p, s]) => `INFO: task ${c}:${p} blocked for more than ${s} seconds.`),
  fc
    .tuple(comm, num, num)
    .map(
      ([c, p, s]) =>
        `audit: type=1701 audit(${s}.123:4): auid=0 uid=0 ses=1 pid=${p} comm="${c}" exe="/x" sig=${s} res=1`,
    ),
  hostile,
);
const kmsgText = fc
  .array(fc.tuple(fc.nat(7), num, num, kernelLine), { maxLength: 8 })
  .map((lines) => lines.map(([pri, seq, usec, m]) => `${pri},${seq},${usec},-;${m}`).join('\n') + '\n');
const journalText = fc
  .array(fc.tuple(kernelLine, num, fc.constantFrom('0', '6', 'x'), comm), { maxLength: 5 })
  .map((entries) =>
    entries
      .map(([m, t, pri, c]) =>
        JSON.stringify({
          MESSAGE: m,
          __REALTIME_TIMESTAMP: String(t),
          _SOURCE_MONOTONIC_TIMESTAMP: String(t),
          PRIORITY: pri,
          _PID: String(t),
          _COMM: c,
          _SYSTEMD_UNIT: `${c}.service`,
          COREDUMP_PID: String(t),
          SYSLOG_IDENTIFIER: 'earlyoom',
        }),
      )
      .join('\n'),
  );
const recordLine = fc
  .tuple(
    num,
    comm,
    anyJson,
    anyJson,
    fc.array(hostile, { maxLength: 3 }),
    fc.constantFrom('signal', 'exit', 'oom-kill', 'unknown', 'x'),
  )
  .map(([pid, c, time, sig, argv, kind]) =>
    JSON.stringify({
      v: 1,
      pid,
      startTime: 1,
      bootId: 'b',
      comm: c,
      argvHead: argv,
      ppid: 1,
      pgid: 1,
      sid: 1,
      tty: null,
      cgroup: null,
      cause: { kind, signal: sig, time, source: 'watch', sender: { pid: 1, comm: c } },
      seenAt: time,
    }),
  );

/** A real fixture bundle with one part replaced by hostile content. */
const bundle = fc
  .tuple(
    fc.constantFrom('gone', 'oom-killed', 'zombie', 'hostile-name', 'setsid-f'),
    fc.nat(5),
    anyJson,
    kmsgText,
    journalText,
    fc.array(recordLine, { maxLength: 4 }),
    fc.nat(1000),
  )
  .map(([name, what, value, kmsg, journal, recs, pick]) => {
    const b = base(name);
    const texts = b.texts as Record<string, unknown>;
    const keys = Object.keys(texts);
    switch (what) {
      case 0: {
        const fields = [
          'capturedAt',
          'capturedAtMs',
          'hostname',
          'target',
          'kmsg',
          'env',
          'texts',
          'links',
          'dirs',
          'commands',
          'format',
        ];
        b[fields[pick % fields.length]] = value;
        break;
      }
      case 1:
        texts[keys[pick % keys.length]] = typeof value === 'string' ? value : JSON.stringify(value);
        break;
      case 2:
        b.kmsg = kmsg;
        break;
      case 3:
        b.kmsg = null;
        b.dirs = { ...(b.dirs as object), '/var/log/journal': ['system.journal'] };
        b.commands = {
          [JSON.stringify(['journalctl', '-k', '-b', '0', '-o', 'json', '--no-pager', '-q'])]: journal,
          [JSON.stringify([
            'journalctl',
            '-o',
            'json',
            '-q',
            '--no-pager',
            '-b',
            '0',
            `_PID=${(b.target as { pid: number }).pid}`,
          ])]: journal,
        };
        break;
      case 4:
        b.dirs = { ...(b.dirs as object), '/var/lib/whydied': ['records.jsonl'] };
        texts['/var/lib/whydied/records.jsonl'] = recs.join('\n');
        break;
      default:
        texts[keys[pick % keys.length]] = kmsg;
    }
    const target = String((b.target as { query?: unknown })?.query ?? '1');
    // fast-check prints a failing case: the fixture and the change, not the whole bundle.
    const label = `${name} #${what}/${pick} ${JSON.stringify(value)?.slice(0, 200)}`;
    return { b, target, [fc.toStringMethod]: () => label };
  });

describe('fuzz: bundles, kernel-log, journal and record texts', () => {
  it('replays (or refuses) every crafted bundle with a documented exit code and nothing raw', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        bundle,
        fc.constantFrom<string[]>([], ['--json'], ['--format', 'markdown']),
        async ({ b, target }, fmt) => {
          const file = path.join(tmp, `crafted-${n++}.json`);
          fs.writeFileSync(file, JSON.stringify(b));
          const args = ['--from', file, ...fmt, '--', target];
          const o = await runInProcess(args);
          check(args, o, 10000);
          codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
        },
      ),
      { numRuns: 120, seed: SEED, endOnFailure: true },
    );
  }, 180000);
});
