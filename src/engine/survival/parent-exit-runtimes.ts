/**
 * parent-exit, what a language runtime's own exit code does to the children it started, where /proc shows the
 * runtime's part (tried after the kernel's rules, before the generic launcher rules).
 *
 * Python multiprocessing (CPython 3.11 Lib/multiprocessing): a child is a fork of its parent (popen_fork.py:
 * os.fork, so it runs the parent's own argv) or, with the spawn and forkserver start methods, a fresh
 * interpreter whose argv is `-c 'from multiprocessing.spawn import spawn_main; spawn_main(...)'
 * --multiprocessing-fork` (spawn.py get_command_line). At the parent's normal exit util._exit_function (an
 * atexit handler) terminates every daemonic child, Process(daemon=True) and every Pool worker, with SIGTERM
 * (Process.terminate) and joins the others, so the parent does not exit before them; concurrent.futures'
 * ProcessPoolExecutor workers (not daemonic since 3.9) are sent a stop and exit once their task is done
 * (process.py _python_exit). A SIGKILL of the parent, or a SIGTERM it does not handle (Python keeps SIGTERM's
 * default action), skips atexit: the children run on. Whether a child is daemonic is not in /proc.
 */
import type { RiskEvidence, SurvivalRule } from './types';

const PYTHON = /^python[0-9.]*$/;
const basename = (s: string): string => s.slice(s.lastIndexOf('/') + 1);

/**
 * How it is a multiprocessing child of its parent, or null: a spawn_main interpreter, or a fork running its
 * parent's own argv. Both are argv, which the process itself can rewrite: this decides its own row only.
 */
function multiprocessingChild(e: RiskEvidence): { parent: string; how: string } | null {
  const self = e.chain?.self;
  const p = e.chain?.ancestors[0];
  if (!self || !p || !e.process || e.process.ppid <= 1 || e.chain?.reparented || p.pid !== e.process.ppid) return null;
  const python = (d: { comm: string; argv?: readonly string[] | null }): boolean =>
    PYTHON.test(d.comm) || PYTHON.test(basename(d.argv?.[0] ?? ''));
  if (!python(p) || !python(self)) return null;
  const argv = self.argv ?? [];
  const parent = `${p.label} (pid ${p.pid})`;
  if (argv.includes('--multiprocessing-fork') && argv.some((a) => a.includes('spawn_main(')))
    return { parent, how: 'a multiprocessing child started by spawn (spawn_main --multiprocessing-fork)' };
  const pa = p.argv ?? [];
  if (argv.length > 1 && pa.length === argv.length && pa.every((a, i) => a === argv[i]))
    return { parent, how: 'a fork running its parent’s own argv, as multiprocessing’s fork start method makes' };
  return null;
}

export const runtimeParentExitRules: SurvivalRule[] = [
  {
    // Go os/exec (exec_unix / exec.go): CommandContext's Cancel (Process.Kill, SIGKILL by default) runs when the
    // context is done while Wait runs; signal.NotifyContext turns a SIGTERM into that cancel. Neither is in /proc.
    code: 'parent.go-runtime',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    meaning:
      'Its parent catches SIGTERM and every real-time signal (SigCgt), as the Go runtime does: a Go program that started it with exec.CommandContext kills it (SIGKILL) when the context ends, e.g. at a SIGTERM turned into a cancel by signal.NotifyContext; started with exec.Command, or at the parent’s SIGKILL, it runs on. Which one is not visible in /proc.',
    when: (e) => {
      const p = e.chain?.ancestors[0];
      if (!p || !e.process || e.process.ppid <= 1 || e.chain?.reparented || e.chain?.parentGoRuntime !== true)
        return null;
      return `its parent ${p.label} (pid ${p.pid}) catches SIGTERM and every real-time signal, as the Go runtime does: if it started this with exec.CommandContext, the end of that context kills it with SIGKILL (a SIGTERM the program turns into a cancel with signal.NotifyContext, a timeout); with exec.Command, or when the parent is SIGKILLed, nothing signals it. Which one is not visible in /proc`;
    },
  },
  {
    code: 'parent.python-multiprocessing',
    event: 'parent-exit',
    outcome: 'unknown',
    confidence: 'possible',
    // A worker of its parent program: its end with that program is the program's own lifecycle, not a threat
    // to escape (relaunching a fork child's argv would start a second copy of the whole program).
    by: 'keeper',
    meaning:
      'It is a Python multiprocessing child (a fork with its parent’s argv, or spawn_main --multiprocessing-fork): the parent’s normal exit terminates it with SIGTERM when it is daemonic (Process(daemon=True), any Pool worker) and otherwise waits for it (a ProcessPoolExecutor worker exits once its task is done); a SIGKILL or an unhandled SIGTERM of the parent leaves it running. Whether it is daemonic is not visible in /proc.',
    when: (e) => {
      const m = multiprocessingChild(e);
      return m
        ? `it is ${m.how} of ${m.parent}: when that parent exits normally, multiprocessing's atexit handler terminates it with SIGTERM if it is daemonic (Process(daemon=True), every Pool worker) and otherwise waits for it first (a ProcessPoolExecutor worker exits after its task); a SIGKILL or an unhandled SIGTERM of the parent skips that and leaves it running. Whether it is daemonic is not visible in /proc`
        : null;
    },
  },
];
