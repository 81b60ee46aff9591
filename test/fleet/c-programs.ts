/** Small C programs the fleet tests need, built with cc into a temp dir (null when cc is missing). */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SOURCES: Record<string, string> = {
  // A real fault: a write through a NULL pointer (the kernel sends SIGSEGV, si_code SEGV_MAPERR).
  crasher: 'int main(void) { volatile int *p = 0; *p = 1; return 0; }\n',
  // Allocate and touch N MiB, then hold it.
  hog: `#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int c, char **v) { long n = c > 1 ? atol(v[1]) : 0; for (long i = 0; i < n; i++) { char *p = malloc(1 << 20); if (!p) return 2; memset(p, 1, 1 << 20); } for (;;) pause(); }
`,
  // Rename itself (comm, through prctl) to argv[1], say "named", then wait for a signal.
  renamer: `#include <stdio.h>
#include <signal.h>
#include <unistd.h>
#include <sys/prctl.h>
int main(int c, char **v) { if (c > 1) prctl(PR_SET_NAME, v[1], 0, 0, 0); printf("named\\n"); fflush(stdout); for (;;) pause(); }
`,
};

let dir: string | null = null;
const built = new Map<string, string | null>();

export function cProgram(name: keyof typeof SOURCES & string): string | null {
  if (built.has(name)) return built.get(name) ?? null;
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-fleet-c-'));
  const src = path.join(dir, `${name}.c`);
  fs.writeFileSync(src, SOURCES[name]);
  const bin = path.join(dir, name === 'hog' ? 'whydied-hog' : name);
  const r = spawnSync('cc', ['-O0', '-o', bin, src], { encoding: 'utf8' });
  const out = r.status === 0 ? bin : null;
  built.set(name, out);
  return out;
}

export function removePrograms(): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
  built.clear();
}
