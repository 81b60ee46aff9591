/**
 * A seccomp filter's verdict, for real (catalogue: kernel.seccomp): a program that forbade itself getppid()
 * (SECCOMP_RET_KILL_PROCESS) makes the call; /proc showed `Seccomp: 2` before, the kernel sends SIGSYS with
 * si_code SYS_SECCOMP to the caller itself, and watch must name seccomp (not a CPU fault, not a kill).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { track, waitFor } from '../helpers/processes';
import { missingTool, tempDir } from './harness/tools';
import { realitySuite, notRoot } from './harness/suite';
import { mechanismOf, outcomeOf, startWatch } from './predict';

const { maybe } = realitySuite('mechanisms-seccomp', notRoot('watch needs tracefs') ?? missingTool('cc'));

maybe('kernel: seccomp', () => {
  test('seccomp: a forbidden system call ends it with SIGSYS from the kernel; /proc showed the filter, watch names it', async () => {
    const dir = tempDir('seccomp');
    const bin = path.join(dir, 'seccomp-deny');
    const cc = spawnSync('cc', ['-O', '-o', bin, path.join(__dirname, 'harness', 'seccomp-deny.c')], {
      encoding: 'utf8',
    });
    expect(cc.status).toBe(0);
    const child = spawn(bin, [], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = track(child.pid ?? 0);
    child.stdin?.on('error', () => undefined);
    const status = (): string => {
      try {
        return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        return '';
      }
    };
    expect(await waitFor(() => /^Seccomp:\s*2$/m.test(status()), 5000)).toBe(true);
    const w = await startWatch(pid);
    child.stdin?.write('\n');
    expect(await outcomeOf(pid, { outcome: 'dies' })).toBe(true);
    const c = await w.result;
    expect(c?.signal).toBe('SIGSYS');
    expect(mechanismOf(c)).toBe('seccomp');
  });
});
