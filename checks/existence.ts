/**
 * existence: is the target alive, a zombie, or gone — and is it still the process the user meant?
 * Everything else depends on this one: it fails when the process is gone so dependents are skipped.
 */
import type { Check, Evidence, FindingInput } from '../src/engine/types';
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
      stopped:
        'The process is stopped by a job-control signal (state T: ^Z, a background read or write on its terminal, kill -STOP): it does no work until it is continued.',
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
    if (letter === 'T') return stoppedFinding(pid, ex.stopSignal ?? null, details, evidence);
    return {
      status: 'pass',
      code: 'alive',
      summary: `Process ${pid} is alive (state ${letter}: ${stateMeaning(letter)}), started ${startIso}.`,
      details,
      evidence,
    };
  },
};

/** What put it in a job-control stop, by the signal the kernel recorded (stat field 52). */
const STOP_CAUSES: Record<string, string> = {
  SIGTSTP: 'the suspend key (^Z) typed at its terminal, or kill -TSTP',
  SIGTTIN: 'it read from its terminal while in a background job (the tty layer stops such a reader)',
  SIGTTOU:
    'it wrote to its terminal (or changed its settings) while in a background job, with `stty tostop` set on that terminal',
  SIGSTOP: 'kill -STOP by someone (it cannot be caught or ignored)',
};

/**
 * State T: alive but doing nothing until SIGCONT; a stop by the terminal (SIGTTIN, SIGTTOU) waits for `fg`, and a
 * stopped process nobody continues (its shell gone) waits forever.
 */
function stoppedFinding(pid: number, sig: string | null, details: string[], evidence: Evidence): FindingInput {
  const cause = sig ? STOP_CAUSES[sig] : null;
  return {
    status: 'warn',
    code: 'stopped',
    summary: `Process ${pid} is stopped${sig ? ` by ${sig}` : ''}: it does no work until it gets SIGCONT (\`fg\` or \`bg\` in its shell, or kill -CONT ${pid}).`,
    details: [
      ...details,
      sig
        ? `Stopped by ${sig} (/proc/${pid}/stat field 52): ${cause}.`
        : `Which signal stopped it (^Z's SIGTSTP, SIGTTIN or SIGTTOU for a background job using its terminal, SIGSTOP) is gone from /proc/${pid}/stat once its parent has collected the stop (a shell does at once: \`jobs -l\` there tells).`,
      'A stopped process stays stopped until something continues it; if its shell is gone, nothing will.',
    ],
    evidence,
  };
}
