/**
 * The journal's kernel records as JSON, for real: in the VM (its own kernel, journald reading /dev/kmsg) a
 * process faults (a real NULL-page read, so the kernel prints its segfault line) and a MemoryMax unit is OOM
 * killed; `journalctl -o json` is what a customer sends. `whydied scan` must list both deaths with their
 * pids and causes from the live journal inside, and from that JSON file read on this other machine
 * (`scan --journal FILE`), where nothing of the VM's /proc or kernel log exists.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { must, sh, TAG, unavailable, waitInside, whydied } from './harness';

jest.setTimeout(240000);

const skip = unavailable();
if (skip) console.log(`[v2vm] skipped: ${skip}`);
const t = skip ? test.skip : test;

interface ScanDeath {
  pid: number;
  name: string;
  kind: string;
  signal?: string;
  source: string;
  alsoIn: string[];
}

const unit = `wdjson${TAG}`;
const CLI = path.resolve(__dirname, '../../dist/whydied.js');

afterAll(() => {
  if (skip) return;
  sh(`systemctl stop ${unit}.service 2>/dev/null; systemctl reset-failed ${unit}.service 2>/dev/null`);
});

function scanDeaths(stdout: string): ScanDeath[] {
  const parsed = JSON.parse(stdout) as { schema: string; deaths: ScanDeath[] };
  expect(parsed.schema).toMatch(/^whydied\.scan\//);
  return parsed.deaths;
}

t(
  'journalctl -o json from the VM: scan lists its segfault and its OOM kill, inside and from a saved file',
  async () => {
    // A real fault: perl dereferences address 8 (unpack "p"), inside libc.
    const segv = Number(must(`perl -e 'my $x = unpack("p", pack("J", 8)); print $x' & p=$!; wait $p; echo $p`));
    expect(segv).toBeGreaterThan(1);
    // A kernel OOM kill in a unit's MemoryMax, no swap to escape to.
    must(
      `systemd-run --unit ${unit} -p MemoryMax=32M -p MemorySwapMax=0 perl -e 'my $x = "a" x (256*1024*1024); sleep 100'`,
    );
    expect(await waitInside(`systemctl is-failed -q ${unit}.service`, 60000, 300)).toBe(true);
    const oom = Number(must(`systemctl show ${unit}.service -p ExecMainPID --value`));
    expect(await waitInside(`journalctl -k -b -q --no-pager | grep -q 'Killed process ${oom} '`, 20000, 300)).toBe(
      true,
    );
    expect(await waitInside(`journalctl -k -b -q --no-pager | grep -q 'perl\\[${segv}\\]: segfault'`, 20000, 300)).toBe(
      true,
    );

    // Inside, from the live journal (and kernel log).
    const live = whydied(['scan', '--since', '30m']);
    expect(live.code).toBe(0);
    const inside = scanDeaths(live.stdout);
    expect(inside.find((d) => d.pid === segv)).toMatchObject({ name: 'perl', kind: 'segfault', signal: 'SIGSEGV' });
    expect(inside.find((d) => d.pid === oom)).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL' });

    // What a customer sends: the kernel's records as journal JSON (one entry a line; only the entries that
    // speak of these two pids, so the file stays small: each is a whole, unedited journal entry).
    const json = must(
      `journalctl -b -o json --no-pager | grep -E '${unit}|"MESSAGE":"[^"]*(\\[${segv}\\]|process ${oom} |pid=${oom}[,)])'`,
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-journal-json-'));
    try {
      const file = path.join(dir, 'kernel.json');
      fs.writeFileSync(file, json + '\n');
      const r = spawnSync(process.execPath, [CLI, 'scan', '--journal', file, '--json'], {
        encoding: 'utf8',
        timeout: 30000,
        env: { ...process.env, WHYDIED_STATE_DIR: dir },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const saved = scanDeaths(r.stdout);
      expect(saved.find((d) => d.pid === segv)).toMatchObject({ name: 'perl', kind: 'segfault', signal: 'SIGSEGV' });
      expect(saved.find((d) => d.pid === oom)).toMatchObject({ kind: 'oom-kill', signal: 'SIGKILL' });
      // From the file alone: nothing of this machine's own kernel log may appear as the VM's deaths.
      expect(saved.every((d) => d.pid === segv || d.pid === oom)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
