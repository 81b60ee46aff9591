/**
 * Real deaths on this machine, diagnosed from the live kernel log through the kernel-log check:
 * an OOM kill in a memory cgroup, a segfault, a divide-error trap. Root only (memory cgroups,
 * debug.exception-trace); each test kills what it starts and removes what it creates.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createLiveSource } from '../../src/source/live-source';
import { createFacts } from '../../src/source/facts';
import { kernelLog } from '../../checks/kernel-log';
import type { CheckTarget, FindingInput } from '../../src/engine/types';
import { cleanupProcesses, isRoot, track, waitFor } from '../helpers/processes';
import { awaitCrashBudget, crashLineSeen } from '../helpers/crash-budget';
import { createCheckContext } from '../../src/engine/context';

const MEMCG_ROOT = '/sys/fs/cgroup/memory';
const TRACE = '/proc/sys/debug/exception-trace';

afterEach(() => cleanupProcesses());

function stTicks(pid: number): number | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

/** Start a command, remember its pid and start time, and wait for it to end. */
const FAULTS = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP']);

async function runOnce(
  cmd: string,
  args: string[],
): Promise<{ pid: number; startTime: number | null; signal: NodeJS.Signals | null }> {
  // Its crash line must not be dropped by the kernel's rate limit after an earlier burst.
  await awaitCrashBudget();
  const child = spawn(cmd, args, { stdio: 'ignore' });
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  const pid = track(child.pid);
  const startTime = stTicks(pid);
  const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} did not die`)), 30000);
    child.on('exit', (_code, sig) => {
      clearTimeout(timer);
      resolve(sig);
    });
  });
  return { pid, startTime, signal };
}

/**
 * Run to its death; a fault's crash line may still be dropped by the rate limit (other processes on the
 * machine crash too), so a fault is repeated until the kernel printed this process's own line, with a bound.
 */
async function runToDeath(
  cmd: string,
  args: string[],
): Promise<{ pid: number; startTime: number | null; signal: NodeJS.Signals | null }> {
  const deadline = Date.now() + 40000;
  for (;;) {
    const res = await runOnce(cmd, args);
    if (!res.signal || !FAULTS.has(res.signal)) return res;
    if (await waitFor(() => crashLineSeen(res.pid), 2000, 100)) return res;
    if (Date.now() > deadline) return res;
  }
}

async function diagnose(target: CheckTarget): Promise<FindingInput> {
  const facts = createFacts(createLiveSource());
  return kernelLog.run(createCheckContext(facts, target));
}

const rootOnly = (name: string, fn: () => Promise<void>, timeout = 60000): void => {
  test(
    name,
    async () => {
      if (!isRoot()) {
        console.log(`skipped "${name}": needs root (memory cgroups, debug.exception-trace)`);
        return;
      }
      await fn();
    },
    timeout,
  );
};

describe('kernel-log check on real deaths', () => {
  let savedTrace: string | null = null;
  beforeAll(() => {
    if (!isRoot()) return;
    // The kernel prints segfault/trap lines only with exception-trace on.
    savedTrace = fs.readFileSync(TRACE, 'utf8').trim();
    fs.writeFileSync(TRACE, '1');
  });
  afterAll(() => {
    if (savedTrace !== null) fs.writeFileSync(TRACE, savedTrace);
  });

  rootOnly('OOM kill in a 40M memory cgroup -> oom-kill with the cgroup path', async () => {
    const name = `whydied-test-${process.pid}-${Date.now() % 100000}`;
    const dir = path.join(MEMCG_ROOT, name);
    if (!fs.existsSync(MEMCG_ROOT)) {
      console.log('skipped: no cgroup v1 memory controller at /sys/fs/cgroup/memory');
      return;
    }
    fs.mkdirSync(dir);
    try {
      fs.writeFileSync(path.join(dir, 'memory.limit_in_bytes'), String(40 * 1024 * 1024));
      const hog = 'x=[]\nwhile True: x.append(bytearray(1<<20))';
      const res = await runToDeath('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec python3 -c '${hog}'`]);
      expect(res.signal).toBe('SIGKILL');
      const f = await diagnose({ query: String(res.pid), pid: res.pid, startTime: res.startTime, name: 'python3' });
      expect(f.status).toBe('fail');
      expect(f.code).toBe('died');
      expect(f.cause).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL', source: 'kernel-log' });
      expect(f.cause?.details).toMatchObject({ memcg: `/${name}`, limitKb: 40960, pid: res.pid, comm: 'python3' });
      expect(f.summary).toContain(`killed by the kernel OOM killer`);
      expect(f.summary).toContain(`in memory cgroup /${name} (limit 40 MiB`);
      expect(Date.parse(f.cause?.time ?? '')).toBeGreaterThan(Date.now() - 60000);
    } finally {
      // The hog is dead; wait for the cgroup to empty before removing it.
      for (let i = 0; i < 50; i++) {
        try {
          fs.rmdirSync(dir);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    expect(fs.existsSync(dir)).toBe(false);
  });

  rootOnly('python3 ctypes.string_at(0) -> segfault in libc', async () => {
    const res = await runToDeath('python3', ['-c', 'import ctypes; ctypes.string_at(0)']);
    expect(res.signal).toBe('SIGSEGV');
    const f = await diagnose({ query: String(res.pid), pid: res.pid, startTime: res.startTime, name: 'python3' });
    expect(f.code).toBe('died');
    expect(f.cause).toMatchObject({ kind: 'segfault', signal: 'SIGSEGV' });
    expect(f.cause?.details).toMatchObject({ address: '0', errorCode: 4 });
    expect(f.summary).toContain('NULL pointer');
  });

  rootOnly('integer division by zero in a C program -> trap, SIGFPE', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-trap-'));
    try {
      fs.writeFileSync(
        path.join(tmp, 'dz.c'),
        'int main(int c,char**v){volatile int n=100; volatile int z=c-1; return n/z;}\n',
      );
      const cc = spawnSync('cc', ['-O0', '-o', path.join(tmp, 'dz'), path.join(tmp, 'dz.c')], { encoding: 'utf8' });
      if (cc.status !== 0) {
        console.log(`skipped: cc failed: ${cc.stderr}`);
        return;
      }
      const res = await runToDeath(path.join(tmp, 'dz'), []);
      expect(res.signal).toBe('SIGFPE');
      const f = await diagnose({ query: String(res.pid), pid: res.pid, startTime: res.startTime, name: 'dz' });
      expect(f.cause).toMatchObject({ kind: 'trap', signal: 'SIGFPE', source: 'kernel-log' });
      expect(f.cause?.details).toMatchObject({ trap: 'divide error', library: 'dz' });
      expect(f.summary).toContain('division by zero');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  rootOnly('a death of an earlier holder of a pid is not blamed on a process that started later', async () => {
    const res = await runToDeath('python3', ['-c', 'import ctypes; ctypes.string_at(0)']);
    const facts = createFacts(createLiveSource());
    // Pretend the pid is now held by a process that started one tick after the crash.
    const h = facts.host();
    const crashTicks = Math.ceil(((Date.now() + 1000) / 1000 - h.bootTime) * h.clockTicks);
    const f = await kernelLog.run(
      createCheckContext(facts, { query: String(res.pid), pid: res.pid, startTime: crashTicks, name: 'python3' }),
    );
    expect(f.cause).toBeUndefined();
    expect(f.code).toBe('no-record');
    expect((f.details ?? []).join('\n')).toContain('Not this process');
  });
});
