/**
 * What `whydied run` reads from the OS about the command it supervises: peak RSS (VmHWM), the memory
 * cgroup's OOM-kill counter, and where a command name resolves in PATH. Small /proc and cgroupfs reads only.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCgroupFile } from './parse-cgroup';
import { parseNsPid } from './container-id';

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Peak resident set of a live process, KiB (VmHWM); null once it is a zombie (no mm) or gone. */
export function vmHwmKb(pid: number): number | null {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : null;
}

/** NSpid of a live process: its pid in each nested PID namespace, outermost first. */
export function nsPidOf(pid: number): number[] | null {
  return parseNsPid(read(`/proc/${pid}/status`) ?? '');
}

export interface MemcgCounter {
  /** The cgroup path as /proc/PID/cgroup names it. */
  cgroup: string;
  version: 1 | 2;
  /** memory.events (v2) or memory.oom_control (v1). */
  file: string;
}

/** The memory cgroup a process is in, with the file that counts its OOM kills; null without one. */
export function memcgOf(pid: number | 'self'): MemcgCounter | null {
  const groups = parseCgroupFile(read(`/proc/${pid}/cgroup`) ?? '');
  const v1 = groups.find((g) => g.controllers.includes('memory'));
  if (v1) {
    const file = path.join('/sys/fs/cgroup/memory', v1.path, 'memory.oom_control');
    if (fs.existsSync(file)) return { cgroup: v1.path, version: 1, file };
  }
  const v2 = groups.find((g) => g.hierarchy === 0);
  if (v2) {
    const file = path.join('/sys/fs/cgroup', v2.path, 'memory.events');
    if (fs.existsSync(file)) return { cgroup: v2.path, version: 2, file };
  }
  return null;
}

/** OOM kills the kernel has done in that cgroup (and below it, on v2) so far; null when unreadable. */
export function oomKills(c: MemcgCounter): number | null {
  const m = /^oom_kill (\d+)$/m.exec(read(c.file) ?? '');
  return m ? Number(m[1]) : null;
}

/** Where execvp would find `name`: a path, or why not (`not-found`, `not-executable`), as a shell reports it. */
export function resolveCommand(
  name: string,
  pathVar: string | undefined,
): { path: string } | { error: 'not-found' | 'not-executable' } {
  const executable = (p: string): boolean | null => {
    try {
      const st = fs.statSync(p);
      if (st.isDirectory()) return false;
      fs.accessSync(p, fs.constants.X_OK);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR'
        ? null
        : false;
    }
  };
  if (name.includes('/')) {
    const ok = executable(name);
    return ok ? { path: name } : { error: ok === null ? 'not-found' : 'not-executable' };
  }
  let denied = false;
  for (const dir of (pathVar ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir || '.', name);
    const ok = executable(p);
    if (ok) return { path: p };
    if (ok === false) denied = true;
  }
  return { error: denied ? 'not-executable' : 'not-found' };
}

/** util-linux setpriv, used to give the child a parent-death signal (so it never outlives whydied). */
export function setprivPath(): string | null {
  for (const p of ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv']) if (fs.existsSync(p)) return p;
  return null;
}
