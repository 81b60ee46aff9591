/**
 * The one way a death is put into words (src/engine/describe-cause.ts), over causes shaped as the death
 * tracker, the ptrace backend, the wait status and a whydied.death/1 event give them. The same causes from real
 * deaths are asserted end to end in test/fleet/run.test.ts, record-outputs.test.ts and test/watch/.
 */
import { causeParts, describeCause } from '../../src/engine/describe-cause';
import { mechanismOf } from '../../src/observe/derive';
import type { KillEvent } from '../../src/source/trace/parse';

const kill = { pid: 4250, comm: 'kill', uid: 0 };
/** kill(target, SIGTERM) as tracefs reports it from the `kill` command. */
const killCall = (target: number): KillEvent => ({
  event: 'sys_kill',
  pid: target,
  sig: 15,
  taskComm: 'kill',
  taskPid: 4250,
  cpu: 0,
  ts: 1,
});

describe('describeCause', () => {
  it('says a kernel oops was a bug of the kernel during the system call, with its fix (fixtures/wild oops excerpts)', () => {
    // The cause the kernel-log check gives a task that make_task_dead ended after an oops (oops-incident.ts).
    const oops = { kind: 'signal', signal: 'SIGKILL', details: { reason: 'kernel-oops', kernelSent: true } };
    expect(describeCause(oops, 3166)).toBe(
      'was killed by SIGKILL from the kernel: the kernel hit a bug (an oops) during its system call, not a fault in the program itself (fix: a kernel update, or report the oops upstream)',
    );
    expect(causeParts(oops)).toEqual(['kernel oops (SIGKILL from the kernel)']);
  });

  it('names the sender and how the signal was aimed, from the mechanism the tracker derived', () => {
    const direct = mechanismOf(15, false, killCall(42), kill, 42).mechanism;
    const group = mechanismOf(15, false, killCall(-42), kill, 42).mechanism;
    expect(describeCause({ kind: 'signal', signal: 'SIGTERM', sender: kill, details: { mechanism: direct } }, 42)).toBe(
      'was killed by SIGTERM from kill (pid 4250, uid 0), sent to it directly',
    );
    expect(
      describeCause(
        { kind: 'signal', signal: 'SIGTERM', sender: kill, details: { mechanism: group, groupDirected: true } },
        42,
      ),
    ).toBe('was killed by SIGTERM from kill (pid 4250, uid 0), sent to its whole process group');
  });

  it('does not guess how a signal was aimed when the backend could not tell (ptrace, old records)', () => {
    expect(
      describeCause(
        { kind: 'signal', signal: 'SIGTERM', sender: { pid: 7, comm: 'bash' }, details: { backend: 'ptrace' } },
        42,
      ),
    ).toBe('was killed by SIGTERM from bash (pid 7)');
  });

  it('a process that signals itself killed itself; one that signals its own group was killed with its group', () => {
    expect(
      describeCause(
        { kind: 'signal', signal: 'SIGABRT', sender: { pid: 42, comm: 'app' }, details: { mechanism: 'kill' } },
        42,
      ),
    ).toBe('killed itself with SIGABRT');
    expect(
      describeCause(
        { kind: 'signal', signal: 'SIGTERM', sender: { pid: 42, comm: 'app' }, details: { mechanism: 'group-kill' } },
        42,
      ),
    ).toMatch(/^was killed by SIGTERM from app \(pid 42\), sent to its whole process group$/);
  });

  it('kernel signals say so, with the flat mechanism of a death event as well as kernelSent', () => {
    const fault = { kind: 'signal', signal: 'SIGSEGV', sender: { pid: 42, comm: 'app' } };
    expect(describeCause({ ...fault, details: { kernelSent: true, reason: 'fault' } }, 42)).toBe(
      'crashed: SIGSEGV from the kernel (a fault in the process itself)',
    );
    expect(describeCause({ ...fault, details: { mechanism: 'fault', groupDirected: false } }, 42)).toBe(
      'crashed: SIGSEGV from the kernel (a fault in the process itself)',
    );
    expect(
      describeCause({ kind: 'signal', signal: 'SIGHUP', details: { kernelSent: true, mechanism: 'kernel-hangup' } }),
    ).toMatch(/^was killed by SIGHUP from the kernel: its terminal hung up/);
  });

  it('exits, OOM kills, unknown ends and unexplained signals', () => {
    expect(describeCause({ kind: 'exit', exitCode: 3, details: { afterSignal: 'SIGTERM' } })).toBe(
      'exited with code 3 after receiving SIGTERM',
    );
    expect(describeCause({ kind: 'oom-kill', signal: 'SIGKILL', details: { kernelSent: true } })).toBe(
      'was killed by the kernel OOM killer',
    );
    expect(describeCause({ kind: 'unknown' })).toBe('ended; neither an exit call nor a fatal signal was seen');
    expect(describeCause({ kind: 'signal', signal: 'SIGBUS' })).toBe('was killed by SIGBUS (a crash)');
    expect(describeCause({ kind: 'signal', signal: 'SIGTERM' })).toBe('was killed by SIGTERM');
  });

  it('the short form: the report joins its parts with " · ", scan with spaces', () => {
    expect(causeParts({ kind: 'signal', signal: 'SIGKILL', sender: kill, details: { groupDirected: true } })).toEqual([
      'SIGKILL',
      'sent by kill (pid 4250, uid 0)',
      'to its whole process group',
    ]);
    expect(causeParts({ kind: 'segfault', signal: 'SIGSEGV' })).toEqual(['segfault (SIGSEGV)']);
    expect(causeParts({ kind: 'exit', exitCode: 0 })).toEqual(['exit code 0']);
  });
});
