/**
 * Identity inside a PID namespace, for real: whydied runs in a new PID namespace (unshare --pid --fork
 * --mount-proc, as in a container) where a process segfaults. The kernel log prints the crash under the
 * host's pid, so the namespace's pid must not be matched against it (nor against a host process that had
 * the same number), and the report says why it cannot tell. Root only (unshare needs CAP_SYS_ADMIN).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const CLI = path.join(__dirname, '..', '..', 'dist', 'whydied.js');
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const hasUnshare = spawnSync('unshare', ['--version']).status === 0;
const hasPython = spawnSync('python3', ['-c', 'pass']).status === 0;

interface Report {
  reports: Array<{
    verdict: { status: string; cause: { details?: { pid?: number } } | null };
    checks: Array<{ id: string; code: string; summary: string; details: string[] }>;
  }>;
}

(root && hasUnshare && hasPython ? test : test.skip)(
  'a crash inside a PID namespace is never matched by the namespace pid against the host-pid kernel log',
  () => {
    // Inside: sh is pid 1, the crasher pid 2 (the host sees another pid), whydied asks about pid 2.
    const script = `python3 -c 'import ctypes; ctypes.string_at(0)'; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} 2 --json`;
    const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', script], {
      encoding: 'utf8',
      timeout: 60000,
    });
    const json = r.stdout.slice(r.stdout.indexOf('{'));
    const rep = (JSON.parse(json) as Report).reports[0];
    const k = rep.checks.find((c) => c.id === 'kernel-log');
    expect(k?.summary).toContain('PID namespace');
    expect(k?.details.join('\n')).toContain('the kernel log prints the pids of the initial namespace');
    // Whatever the host's pid 2 did, it is not this process's death.
    expect(rep.verdict.status).not.toBe('died');
    expect(rep.verdict.cause?.details?.pid).toBeUndefined();
  },
  90000,
);
