/**
 * existence: is the target alive, a zombie, or gone — and is it still the process the user meant?
 * Everything else depends on this one: it fails when the process is gone so dependents are skipped.
 */
import type { Check, Evidence } from '../src/engine/types';
import { describeExitStatus, stateMeaning } from '../src/model/existence';

export const existence: Check = {
  meta: {
    id: 'existence',
    title: 'Process exists',
    description:
      'Is the process alive, a zombie, or gone; its start time, boot id, state and whether it is a kernel thread.',
    codes: {
      alive: 'The process is running.',
      zombie: 'The process has exited but its parent has not reaped it yet.',
      'kernel-thread': 'The target is a kernel thread: no terminal, session or signals from users apply.',
      gone: 'No process with this pid exists (it exited).',
      'pid-reused': 'The pid now belongs to a different, newer process: the original one exited.',
    },
  },
  run(ctx) {
    const { pid } = ctx.target;
    const ex = ctx.model.existence;
    const evidence = ex as Evidence;
    if (ex.state === 'gone' && ex.stateLetter === null) {
      return {
        status: 'fail',
        code: 'gone',
        summary: `No process ${pid} is running.`,
        details: ['/proc has no entry for this pid: the process has exited (or never existed).'],
        evidence,
      };
    }
    const startIso = ex.startTime ?? '';
    const letter = ex.stateLetter ?? '?';
    if (ex.state === 'pid-reused') {
      return {
        status: 'fail',
        code: 'pid-reused',
        summary: `Pid ${pid} now belongs to a different process (started ${startIso}); the original exited.`,
        details: [
          `Expected start time ${ctx.target.startTime} ticks after boot, found ${ex.startTicks}.`,
          'The kernel recycled the pid after the original process exited.',
        ],
        evidence,
      };
    }
    if (ex.state === 'gone') {
      return { status: 'fail', code: 'gone', summary: `Process ${pid} is exiting (state ${letter}).`, evidence };
    }
    if (ex.state === 'zombie') {
      const exitStatus = ex.exitStatus ?? null;
      const ppid = ctx.facts.process(pid)?.stat.ppid;
      return {
        status: 'warn',
        code: 'zombie',
        summary: `Process ${pid} ${exitStatus ? describeExitStatus(exitStatus) : 'has exited'} and is a zombie waiting for its parent ${ppid} to reap it.`,
        details: [
          `State Z: ${stateMeaning('Z')}.`,
          `Started ${startIso}.`,
          ...(exitStatus
            ? [
                `Wait status ${exitStatus.raw} (/proc/${pid}/stat field 52, exit_code): ${describeExitStatus(exitStatus)}.`,
              ]
            : []),
        ],
        evidence,
      };
    }
    const details = [`State ${letter}: ${stateMeaning(letter)}.`, `Started ${startIso}, boot id ${ex.bootId}.`];
    if (ex.kernelThread) {
      return {
        status: 'info',
        code: 'kernel-thread',
        summary: `Process ${pid} is a kernel thread (${ex.comm}).`,
        details: [...details, 'Kernel threads have no terminal, session or user signals to fear.'],
        evidence,
      };
    }
    return {
      status: 'pass',
      code: 'alive',
      summary: `Process ${pid} is alive (state ${letter}: ${stateMeaning(letter)}), started ${startIso}.`,
      details,
      evidence,
    };
  },
};
