/**
 * Journal parser on WRITTEN fixtures (no journald here), the journal check against a source that
 * replays those fixtures for a real dead pid, and the real machine (no journal -> skip no-journal).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { journalEvent, parseJournal } from '../../src/source/journal/parse';
import { journal } from '../../checks/journal';
import type { RawSource, Read } from '../../src/source/types';
import type { CheckTarget } from '../../src/engine/types';
import { FIXTURES } from './load-fixture';
import { createCheckContext } from '../../src/engine/context';

const J = path.join(FIXTURES, 'journal');
const read = (f: string, pid = 4242): string =>
  fs.readFileSync(path.join(J, f), 'utf8').split('__PID__').join(String(pid));
const events = (f: string) =>
  parseJournal(read(f))
    .map(journalEvent)
    .filter((e) => e !== null);

/** A pid that existed a moment ago and is now gone. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

/** The live source, with journalctl answered from fixtures per query. */
function withJournal(answers: (argv: readonly string[]) => string | null): RawSource {
  const live = createLiveSource();
  return {
    ...live,
    kind: live.kind,
    readText: (p) => live.readText(p),
    readLink: (p) => live.readLink(p),
    // Pretend journal files exist, so the check goes on to ask journalctl.
    listDir: (p): Read<string[]> =>
      p.endsWith('/journal') ? { ok: true, value: ['0123456789abcdef'] } : live.listDir(p),
    envNames: (pid, w) => live.envNames(pid, w),
    readKmsg: () => live.readKmsg(),
    hostname: () => live.hostname(),
    now: () => live.now(),
    command(argv): Read<string> {
      if (argv[0] !== 'journalctl') return live.command(argv);
      const a = answers(argv);
      return a === null ? { ok: true, value: '' } : { ok: true, value: a };
    },
  };
}

const target = (pid: number): CheckTarget => ({ query: String(pid), pid, startTime: null, name: null });
const ctxOf = (raw: RawSource, pid: number) => createCheckContext(createFacts(raw), target(pid));

describe('journal parser (WRITTEN fixtures)', () => {
  test('unit OOM kill, main process killed, failed with oom-kill', () => {
    expect(events('unit-oom-kill.json.txt')).toEqual([
      { type: 'unit-oom', unit: 'app.service' },
      { type: 'unit-exit', unit: 'app.service', code: 'killed', status: 9, statusName: 'KILL' },
      { type: 'unit-failed', unit: 'app.service', result: 'oom-kill' },
    ]);
  });
  test('systemd-coredump with a hostile comm', () => {
    expect(events('coredump.json.txt')).toEqual([
      { type: 'coredump', pid: 4242, comm: 'a (b) c', uid: 1000, signal: 'SIGSEGV' },
    ]);
  });
  test('earlyoom and systemd-oomd kill lines (short-iso)', () => {
    const entries = parseJournal(read('earlyoom.short-iso.txt'));
    expect(entries[2]).toMatchObject({ pid: 812, identifier: 'earlyoom', timeMs: Date.parse('2026-11-22T10:00:00Z') });
    expect(events('earlyoom.short-iso.txt')).toEqual([
      { type: 'earlyoom-kill', signal: 'SIGTERM', pid: 4242, uid: 1000, comm: 'we\\"ird: name' },
      {
        type: 'oomd-kill',
        cgroup: '/user.slice/user-1000.slice/user@1000.service/app.slice/app-x.scope',
        reason: 'pressure',
        watched: '/user.slice/user-1000.slice/user@1000.service',
        pressurePct: 82.31,
        limitPct: 50,
      },
    ]);
  });
  test('unit exit codes and failure results', () => {
    expect(events('unit-exit.short-iso.txt')).toEqual([
      { type: 'unit-exit', unit: 'web.service', code: 'exited', status: 1, statusName: 'FAILURE' },
      { type: 'unit-failed', unit: 'web.service', result: 'exit-code' },
      { type: 'unit-exit', unit: 'web.service', code: 'dumped', status: 11, statusName: 'SEGV' },
      { type: 'unit-failed', unit: 'web.service', result: 'core-dump' },
      { type: 'unit-failed', unit: 'web.service', result: 'watchdog' },
    ]);
  });
  test('never throws on garbage', () => {
    expect(
      parseJournal('{"MESSAGE":[1,2,300]}\n{bad json\n\u0000\n-- No entries --\n{"MESSAGE":{"x":1}}'),
    ).toHaveLength(1);
  });
});

describe('journal check', () => {
  test('no journal on this machine -> skip no-journal (not fail)', async () => {
    const hasFiles = ['/run/log/journal', '/var/log/journal'].some(
      (d) => fs.existsSync(d) && fs.readdirSync(d).length > 0,
    );
    if (hasFiles) {
      console.log('skipped: this machine has journal files; the no-journal path is covered where journald is absent');
      return;
    }
    const pid = deadPid();
    const f = await journal.run(ctxOf(createLiveSource(), pid));
    expect(f.status).toBe('skip');
    expect(f.code).toBe('no-journal');
    expect(f.summary).toMatch(/journalctl is not installed|no journal files/);
  });

  test('dead pid in a unit OOM-killed -> cause oom-kill from the journal', async () => {
    const pid = deadPid();
    const raw = withJournal((argv) => {
      if (argv.includes(`_PID=${pid}`)) return read('own-lines.json.txt', pid);
      if (argv.includes('UNIT=app.service')) return read('unit-oom-kill.json.txt', pid);
      return null;
    });
    const f = await journal.run(ctxOf(raw, pid));
    expect(f.status).toBe('fail');
    expect(f.cause).toMatchObject({ kind: 'oom-kill', source: 'journal', details: { unit: 'app.service' } });
    expect(f.summary).toContain('OOM killer');
  });

  test('dead pid with a coredump entry -> segfault; earlyoom -> signal with sender', async () => {
    const pid = deadPid();
    const core = await journal.run(
      ctxOf(
        withJournal((argv) => (argv.includes(`COREDUMP_PID=${pid}`) ? read('coredump.json.txt', pid) : null)),
        pid,
      ),
    );
    expect(core.cause).toMatchObject({ kind: 'segfault', signal: 'SIGSEGV', source: 'journal' });
    const killed = await journal.run(
      ctxOf(
        withJournal((argv) =>
          argv.includes('SYSLOG_IDENTIFIER=earlyoom') ? read('earlyoom.short-iso.txt', pid) : null,
        ),
        pid,
      ),
    );
    expect(killed.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM', sender: { pid: 812, comm: 'earlyoom' } });
    // Another pid's coredump is never blamed on this one.
    const other = await journal.run(
      ctxOf(
        withJournal((argv) =>
          argv.some((a) => a.startsWith('COREDUMP_PID=')) ? read('coredump.json.txt', pid + 1) : null,
        ),
        pid,
      ),
    );
    expect(other.cause).toBeUndefined();
  });

  test('a systemd-oomd kill of some cgroup is not attached to an unrelated dead pid, only to a pid of that unit', async () => {
    const pid = deadPid();
    const oomdOnly = (argv: readonly string[]): string | null =>
      argv.includes('SYSLOG_IDENTIFIER=systemd-oomd')
        ? read('earlyoom.short-iso.txt', pid + 1)
            .split('\n')
            .filter((l) => l.includes('systemd-oomd'))
            .join('\n')
        : null;
    const unrelated = await journal.run(ctxOf(withJournal(oomdOnly), pid));
    expect(unrelated.code).toBe('no-record');
    expect((unrelated.evidence as { events: string[] }).events).toEqual([]);
    // The pid's own line says it ran in app-x.scope, the cgroup oomd killed: that one is about it.
    const own = `{"MESSAGE":"working","_PID":"${pid}","_SYSTEMD_USER_UNIT":"app-x.scope","__REALTIME_TIMESTAMP":"1795334882862266"}`;
    const related = await journal.run(
      ctxOf(
        withJournal((argv) => (argv.includes(`_PID=${pid}`) ? own : oomdOnly(argv))),
        pid,
      ),
    );
    // oomd's line names the cgroup the dead pid ran in: that kill is its death, with oomd as the killer.
    expect(related.code).toBe('died');
    expect(related.summary).toContain('was killed by systemd-oomd');
    expect(related.cause).toMatchObject({ kind: 'oom-kill', sender: { comm: 'systemd-oomd' } });
  });

  test('every query is bounded: this boot, newest -n entries, an indexed match, only the parsed fields', async () => {
    const pid = deadPid();
    const f = await journal.run(
      ctxOf(
        withJournal(() => null),
        pid,
      ),
    );
    const queries = (f.evidence as { queries: string[] }).queries;
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      expect(q).toMatch(/ -b 0 /);
      expect(q).toMatch(/ -n \d+ /);
      expect(q).toMatch(/--output-fields=/);
      expect(q).toMatch(/ (_PID|UNIT|COREDUMP_PID|SYSLOG_IDENTIFIER)=/);
    }
  });
});
