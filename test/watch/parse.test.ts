/** Parser and cause derivation over real trace lines captured on this machine (see fixtures/README.md). */
import * as fs from 'fs';
import * as path from 'path';
import { parseLostEvents, parseTraceLine, syscallInt, TaskRenameEvent, TraceEvent } from '../../src/source/trace/parse';
import { TaskNames } from '../../src/source/trace/task-names';
import { DeathTracker } from '../../src/observe/derive';
import { parseStraceLine } from '../../src/observe/strace-parse';

const lines = fs
  .readFileSync(path.join(__dirname, 'fixtures', 'trace-lines.txt'), 'utf8')
  .split('\n')
  .filter(Boolean);
const events = lines.map(parseTraceLine);

describe('parseTraceLine', () => {
  it('parses every captured line', () => {
    expect(events.every((e) => e !== null)).toBe(true);
  });

  it('signal_generate: sender from the prefix, victim from the fields', () => {
    expect(events[1]).toEqual({
      taskComm: 'bash',
      taskPid: 4581,
      cpu: 0,
      ts: 224.403695,
      event: 'signal_generate',
      sig: 9,
      errno: 0,
      code: 0,
      comm: 'sleep',
      pid: 4580,
      grp: 1,
      res: 0,
    });
  });

  it("kill(-pgid) printed as 32-bit two's complement comes back negative", () => {
    expect(events[4]).toMatchObject({ event: 'sys_kill', taskPid: 4564, pid: -4590, sig: 15 });
    expect(events[0]).toMatchObject({ event: 'sys_kill', pid: 4580, sig: 9 });
  });

  it('exit_group code and sched_process_exit group_dead', () => {
    expect(events[6]).toMatchObject({ event: 'sys_exit_group', errorCode: 7, taskPid: 4596 });
    expect(events[7]).toMatchObject({
      event: 'sched_process_exit',
      comm: 'bash',
      pid: 4596,
      prio: 120,
      groupDead: true,
    });
  });

  it('kernel hangup: code=128', () => {
    expect(events[8]).toMatchObject({ event: 'signal_generate', taskComm: 'python3', sig: 1, code: 128, pid: 4993 });
  });

  it('mark_victim with comm, uid and sizes', () => {
    expect(events[13]).toMatchObject({
      event: 'mark_victim',
      pid: 5000,
      comm: 'python3',
      uid: 0,
      totalVmKb: 221368,
      anonRssKb: 30464,
    });
  });

  it('task comm with a space and a dash; tgkill; victim comm with a space', () => {
    expect(events[14]).toMatchObject({ taskComm: 'my-weird name', taskPid: 5140, event: 'sys_kill', pid: 5139 });
    expect(events[16]).toMatchObject({ event: 'sys_tgkill', tgid: 5140, pid: 5140, sig: 10 });
    expect(events[17]).toMatchObject({ comm: 'my-weird name', pid: 5140, code: -6, res: 1 });
    expect(events[18]).toMatchObject({ event: 'sched_process_exit', comm: 'my-weird name', pid: 5140 });
  });

  it('task_rename: both names; TaskNames corrects a provisional sender name from the first rename', () => {
    const ren = parseTraceLine(
      '           sleep-812     [001] ..... 90.000002: task_rename: pid=812 oldcomm=bash newcomm=sleep oom_score_adj=0',
    );
    expect(ren).toMatchObject({ event: 'task_rename', pid: 812, oldComm: 'bash', newComm: 'sleep' });
    const names = new TaskNames();
    let fixed = '';
    // Read after the exec: the prefix already says sleep; the rename read next says it was bash.
    expect(names.nameAt(812, 'sleep', (c) => (fixed = c))).toBe('sleep');
    names.onRename(ren as TaskRenameEvent);
    expect(fixed).toBe('bash');
    expect(names.nameAt(812, 'whatever', () => undefined)).toBe('sleep');
  });

  it('ignores headers and unknown events; reads lost-event notices', () => {
    expect(parseTraceLine('# tracer: nop')).toBeNull();
    expect(parseTraceLine('  bash-1 [000] ..... 1.0: sched_switch: prev_comm=x')).toBeNull();
    expect(parseLostEvents('CPU:1 [LOST 42 EVENTS]')).toBe(42);
    expect(syscallInt('0xffffffffffffee12')).toBe(-4590);
    expect(syscallInt('9')).toBe(9);
  });
});

function feed(t: DeathTracker, evs: Array<TraceEvent | null>): void {
  let lastKill: TraceEvent | null = null;
  for (const ev of evs) {
    if (!ev) continue;
    if (ev.event === 'sys_kill' || ev.event === 'sys_tgkill') lastKill = ev;
    else if (ev.event === 'signal_generate' && ev.pid === t.pid) {
      const k =
        lastKill &&
        lastKill.taskPid === ev.taskPid &&
        (lastKill.event === 'sys_kill' || lastKill.event === 'sys_tgkill') &&
        lastKill.sig === ev.sig
          ? lastKill
          : null;
      t.onSignal(ev, k, { tgid: ev.taskPid, uid: 0 }, 1000);
    } else if (ev.event === 'sys_exit_group' && ev.taskPid === t.pid) t.onExitGroup(ev.errorCode, 1000);
    else if (ev.event === 'mark_victim' && ev.pid === t.pid) t.onOom(ev, 1000);
    else if (ev.event === 'sched_process_exit' && ev.pid === t.pid) t.onEnd(1000);
  }
}

describe('DeathTracker on captured scenarios', () => {
  it('SIGKILL from a known bash: signal, sender, not group-directed', () => {
    const t = new DeathTracker(4580);
    feed(t, events.slice(0, 4));
    expect(t.cause('tracefs')).toMatchObject({
      kind: 'signal',
      signal: 'SIGKILL',
      sender: { pid: 4581, comm: 'bash', uid: 0 },
      source: 'watch',
      details: { groupDirected: false, kernelSent: false },
    });
  });

  it('kill -TERM -- -PGID: group-directed', () => {
    const t = new DeathTracker(4590);
    feed(t, events.slice(4, 6));
    expect(t.cause('tracefs')).toMatchObject({
      kind: 'signal',
      signal: 'SIGTERM',
      sender: { pid: 4564 },
      details: { groupDirected: true, killTarget: -4590 },
    });
  });

  it('exit 7', () => {
    const t = new DeathTracker(4596);
    feed(t, events.slice(6, 8));
    expect(t.cause('tracefs')).toMatchObject({ kind: 'exit', exitCode: 7 });
  });

  it('terminal hangup to the session leader: kernel-sent SIGHUP (SIGCONT is not the cause)', () => {
    const t = new DeathTracker(4993);
    feed(t, events.slice(8, 10));
    expect(t.cause('tracefs')).toMatchObject({
      signal: 'SIGHUP',
      details: { kernelSent: true, reason: 'terminal-hangup' },
    });
    // bash then re-raises SIGHUP at itself with kill(): the kernel's hangup stays the cause.
    const selfKill = parseTraceLine(
      '            bash-4993    [001] d..1.   237.954881: signal_generate: sig=1 errno=0 code=0 comm=bash pid=4993 grp=1 res=0',
    );
    feed(t, [selfKill]);
    expect(t.cause('tracefs')).toMatchObject({
      signal: 'SIGHUP',
      sender: { pid: 4952 },
      details: { kernelSent: true, reRaised: true },
    });
  });

  it('bash forwarding SIGHUP to its job group', () => {
    const t = new DeathTracker(4994);
    feed(t, events.slice(10, 12));
    expect(t.cause('tracefs')).toMatchObject({
      signal: 'SIGHUP',
      sender: { comm: 'bash', pid: 4993 },
      details: { groupDirected: true, kernelSent: false },
    });
  });

  it('OOM kill', () => {
    const t = new DeathTracker(5000);
    feed(t, events.slice(12, 14));
    const c = t.cause('tracefs');
    expect(c).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL', details: { kernelSent: true, reason: 'oom-kill' } });
    // The task that triggered the OOM killer is not a sender.
    expect(c?.sender).toBeUndefined();
    expect(c?.details?.triggeredBy).toMatchObject({ pid: expect.any(Number), comm: expect.any(String) });
  });

  it('ignored signals are seen but not the cause', () => {
    const t = new DeathTracker(5140);
    feed(t, events.slice(14, 19));
    expect(t.signalsSeen).toBe(1);
    expect(t.cause('tracefs')).toBeNull();
  });
});

describe('parseStraceLine', () => {
  it('signal, killed, exited', () => {
    expect(parseStraceLine('--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=123, si_uid=0} ---')).toEqual({
      type: 'signal',
      signal: 'SIGTERM',
      code: 'SI_USER',
      senderPid: 123,
      senderUid: 0,
    });
    expect(parseStraceLine('+++ killed by SIGTERM +++')).toEqual({
      type: 'killed',
      signal: 'SIGTERM',
      coreDumped: false,
    });
    expect(parseStraceLine('+++ killed by SIGSEGV (core dumped) +++')).toEqual({
      type: 'killed',
      signal: 'SIGSEGV',
      coreDumped: true,
    });
    expect(parseStraceLine('+++ exited with 7 +++')).toEqual({ type: 'exited', code: 7 });
    expect(parseStraceLine('exit_group(7)                           = ?')).toEqual({ type: 'exit_group', code: 7 });
  });
});
