/**
 * Language runtimes whose own exit code kills or keeps the children they started (beyond runtimes-spawn's
 * stdio cases): Python multiprocessing (fork and spawn start methods, Process daemonic or not, Pool,
 * concurrent.futures.ProcessPoolExecutor) and Go's os/exec. Each parent is the real runtime; it is made to exit
 * normally (a line on its stdin), or is killed, and the child's row is held to what happened.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { procStat, track, waitFor } from '../helpers/processes';
import { tempDir } from './harness/tools';
import { realitySuite } from './harness/suite';
import { diagnose, expectReality, expectRule, outcomeOf } from './predict';

const suite = realitySuite('runtimes-exit');

interface Parent {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Let it return from main (a line on its stdin). */
  finish(): void;
}

function startParent(argv: string[], cwd: string): Parent {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'ignore', 'ignore'], detached: true, cwd });
  if (!child.pid) throw new Error(`could not start ${argv[0]}`);
  track(child.pid);
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { pid: child.pid, exited, finish: () => child.stdin?.write('\n') };
}

/** The children of `pid` whose argv satisfies `want`, once there are `n`. */
async function childrenOf(pid: number, n: number, want: (argv: string[]) => boolean): Promise<number[]> {
  let out: number[] = [];
  const found = await waitFor(() => {
    out = fs
      .readdirSync('/proc')
      .filter((x) => /^\d+$/.test(x))
      .map(Number)
      .filter((c) => procStat(c)?.ppid === pid)
      .filter((c) => {
        try {
          return want(fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').slice(0, -1));
        } catch {
          return false;
        }
      });
    return out.length >= n;
  }, 15000);
  expect(found).toBe(true);
  out.forEach(track);
  return out;
}

const gone = (pid: number): boolean => procStat(pid) === null || procStat(pid)?.state === 'Z';

const PY = `import multiprocessing as mp, sys, time
def work(): time.sleep(600)
if __name__ == '__main__':
    kind = sys.argv[1]
    if kind.startswith('spawn-'): mp.set_start_method('spawn')
    if kind.endswith('daemon'): mp.Process(target=work, daemon=True).start()
    elif kind.endswith('plain'): mp.Process(target=work).start()
    elif kind == 'pool':
        pool = mp.Pool(1); pool.apply_async(time.sleep, (600,))
    elif kind == 'executor':
        import concurrent.futures as cf
        ex = cf.ProcessPoolExecutor(1); ex.submit(time.sleep, 2)
    sys.stdin.readline()
`;

describe('Python multiprocessing: the parent’s exit', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('whydied-mp-');
    fs.writeFileSync(path.join(dir, 'mp.py'), PY);
  });

  /** The parent running `kind` and its worker (a fork with its argv, or spawn_main). */
  async function started(kind: string): Promise<{ parent: Parent; worker: number }> {
    const parent = startParent(['python3', 'mp.py', kind], dir);
    const [worker] = await childrenOf(parent.pid, 1, (a) =>
      kind.startsWith('spawn-') ? a.includes('--multiprocessing-fork') : a[1] === 'mp.py' && a[2] === kind,
    );
    return { parent, worker };
  }

  test('multiprocessing Process(daemon=True): the parent’s normal exit terminates it (SIGTERM from the atexit handler)', async () => {
    const { parent, worker } = await started('daemon');
    const report = diagnose(worker);
    const row = expectRule(report, 'parent-exit', 'parent.python-multiprocessing');
    parent.finish();
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => gone(worker), 5000)).toBe(true);
    expectReality(row, true);
  });

  test('multiprocessing Process() not daemonic: the parent’s normal exit waits for it (it runs on, the parent with it)', async () => {
    const { parent, worker } = await started('plain');
    const row = expectRule(diagnose(worker), 'parent-exit', 'parent.python-multiprocessing');
    parent.finish();
    // The atexit handler joins it: the parent does not exit while it runs.
    expect(await waitFor(() => gone(worker) || gone(parent.pid), 2000)).toBe(false);
    expectReality(row, false);
    process.kill(worker, 'SIGKILL');
    expect(await parent.exited).toEqual({ code: 0, signal: null });
  });

  test('multiprocessing Process(daemon=True), parent SIGKILLed: no atexit, the child runs on', async () => {
    const { parent, worker } = await started('daemon');
    const row = expectRule(diagnose(worker), 'parent-exit', 'parent.python-multiprocessing');
    process.kill(parent.pid, 'SIGKILL');
    expect(await parent.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const died = await outcomeOf(worker, { outcome: 'survives' });
    expect(died).toBe(false);
    expectReality(row, died);
    process.kill(worker, 'SIGKILL');
  });

  test('multiprocessing Process(daemon=True), parent SIGTERMed: Python keeps SIGTERM’s default action, no atexit, the child runs on', async () => {
    const { parent, worker } = await started('daemon');
    const row = expectRule(diagnose(worker), 'parent-exit', 'parent.python-multiprocessing');
    process.kill(parent.pid, 'SIGTERM');
    expect(await parent.exited).toEqual({ code: null, signal: 'SIGTERM' });
    const died = await outcomeOf(worker, { outcome: 'survives' });
    expect(died).toBe(false);
    expectReality(row, died);
    process.kill(worker, 'SIGKILL');
  });

  test('multiprocessing Pool worker: daemonic, terminated at the parent’s normal exit', async () => {
    const { parent, worker } = await started('pool');
    const row = expectRule(diagnose(worker), 'parent-exit', 'parent.python-multiprocessing');
    parent.finish();
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => gone(worker), 5000)).toBe(true);
    expectReality(row, true);
  });

  test('concurrent.futures ProcessPoolExecutor worker: at the parent’s normal exit it finishes its task and exits', async () => {
    const { parent, worker } = await started('executor');
    const row = expectRule(diagnose(worker), 'parent-exit', 'parent.python-multiprocessing');
    parent.finish();
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => gone(worker), 10000)).toBe(true);
    expectReality(row, true);
  });

  test('multiprocessing spawn start method, daemonic: spawn_main child terminated at the parent’s normal exit', async () => {
    const { parent, worker } = await started('spawn-daemon');
    const row = expectRule(diagnose(worker), 'parent-exit', 'parent.python-multiprocessing');
    expect(row.reason).toMatch(/spawn_main --multiprocessing-fork/);
    parent.finish();
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    expect(await waitFor(() => gone(worker), 5000)).toBe(true);
    expectReality(row, true);
  });

  test('a plain os.fork() child of Python is told apart only by argv: subprocess children are not multiprocessing', async () => {
    const parent = startParent(
      ['python3', '-c', 'import subprocess, sys; p = subprocess.Popen(["sleep", "600"]); sys.stdin.readline()'],
      dir,
    );
    const [child] = await childrenOf(parent.pid, 1, (a) => a[0] === 'sleep');
    const report = diagnose(child);
    const row = expectRule(report, 'parent-exit', 'parent.reparent');
    parent.finish();
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    const died = await outcomeOf(child, row);
    expectReality(row, died);
    process.kill(child, 'SIGKILL');
  });
});

const GO = `package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	var cmd *exec.Cmd
	switch os.Args[1] {
	case "command":
		cmd = exec.Command("sleep", "600")
	case "context":
		cmd = exec.CommandContext(ctx, "sleep", "600")
	}
	if err := cmd.Start(); err != nil {
		os.Exit(2)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	line := make(chan struct{})
	go func() { bufio.NewReader(os.Stdin).ReadString('\\n'); close(line) }()
	select {
	case <-line:
	case <-ctx.Done():
		<-done
	}
}
`;

describe('Go os/exec: the parent’s exit', () => {
  const need = suite.need('go');
  let bin = '';
  beforeAll(() => {
    if (spawnSync('sh', ['-c', 'command -v go']).status !== 0) return;
    const dir = tempDir('whydied-go-');
    fs.writeFileSync(path.join(dir, 'main.go'), GO);
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module spawner\n\ngo 1.19\n');
    const r = spawnSync('go', ['build', '-o', 'spawner', '.'], {
      cwd: dir,
      env: { ...process.env, GOCACHE: path.join(dir, 'cache'), GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      encoding: 'utf8',
      timeout: 180000,
    });
    if (r.status !== 0) throw new Error(`go build failed: ${r.stderr}`);
    bin = path.join(dir, 'spawner');
  }, 200000);

  need('Go exec.Command: stdio is /dev/null by default and nothing kills it at the parent’s normal exit', async () => {
    const parent = startParent([bin, 'command'], path.dirname(bin));
    const [child] = await childrenOf(parent.pid, 1, (a) => a[0] === 'sleep');
    expect(fs.readlinkSync(`/proc/${child}/fd/1`)).toBe('/dev/null');
    const report = diagnose(child);
    const row = expectRule(report, 'parent-exit', 'parent.go-runtime');
    parent.finish();
    expect(await parent.exited).toEqual({ code: 0, signal: null });
    expectReality(row, await outcomeOf(child, row));
    process.kill(child, 'SIGKILL');
  });

  need(
    'Go exec.CommandContext: the parent’s SIGKILL leaves it running (the context dies with the parent)',
    async () => {
      const parent = startParent([bin, 'context'], path.dirname(bin));
      const [child] = await childrenOf(parent.pid, 1, (a) => a[0] === 'sleep');
      const row = expectRule(diagnose(child), 'parent-exit', 'parent.go-runtime');
      process.kill(parent.pid, 'SIGKILL');
      expect(await parent.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const died = await outcomeOf(child, { outcome: 'survives' });
      expect(died).toBe(false);
      expectReality(row, died);
      process.kill(child, 'SIGKILL');
    },
  );

  need(
    'Go exec.CommandContext under signal.NotifyContext: SIGTERM to the parent cancels the context and Go SIGKILLs it',
    async () => {
      const parent = startParent([bin, 'context'], path.dirname(bin));
      const [child] = await childrenOf(parent.pid, 1, (a) => a[0] === 'sleep');
      // Was parent.reparent (survives, certain): the Go runtime's mask is what /proc shows of the parent.
      const row = expectRule(diagnose(child), 'parent-exit', 'parent.go-runtime');
      process.kill(parent.pid, 'SIGTERM');
      expect(await parent.exited).toEqual({ code: 0, signal: null });
      const died = await outcomeOf(child, { outcome: 'dies' });
      expect(died).toBe(true);
      expectReality(row, died);
    },
  );
});
