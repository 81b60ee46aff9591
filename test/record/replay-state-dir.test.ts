/**
 * Replaying a bundle reads records from the state dir the bundle holds, not from the replaying process's
 * own state dir: a root capture (which listed /var/lib/whydied) replayed with another WHYDIED_STATE_DIR still
 * finds its record; a bundle holding none of the candidate dirs says so instead of passing as no-record.
 */
import { reportsOf } from '../helpers/schema';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { saveRecord, RECORDS_FILE } from '../../src/source/records/store';
import type { DeathRecord } from '../../src/source/records/types';
import { readIdentity } from '../../src/source/process-identity';
import { cleanupProcesses, runCli, startDetached, waitFor } from '../helpers/processes';

interface Finding {
  id: string;
  code: string;
}
interface Report {
  verdict: { cause: { kind: string; signal?: string; source: string } | null };
  checks: Finding[];
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-replay-'));
});
afterEach(() => cleanupProcesses());
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A real process, killed, with a record of its death in `dir`; returns its pid. */
async function recordedDeath(dir: string): Promise<number> {
  const pid = startDetached('sleep', ['1000']);
  expect(await waitFor(() => readIdentity(pid)?.comm === 'sleep')).toBe(true);
  const id = readIdentity(pid);
  if (!id) throw new Error('no identity');
  process.kill(pid, 'SIGKILL');
  // Gone, not a zombie: the diagnosis must see a dead process.
  expect(await waitFor(() => !fs.existsSync(`/proc/${pid}`))).toBe(true);
  const rec: DeathRecord = {
    v: 1,
    ...id,
    seenAt: new Date().toISOString(),
    cause: { kind: 'signal', signal: 'SIGKILL', sender: { pid: 1, comm: 'tester' }, source: 'watch' },
  };
  saveRecord(rec, { dir });
  return pid;
}

function capture(pid: number, stateDir: string, file: string): void {
  const res = runCli(['capture', String(pid), '-o', file], { env: { WHYDIED_STATE_DIR: stateDir } });
  expect(res.stderr).toContain('captured');
}

const recordsFinding = (r: Report): Finding | undefined => r.checks.find((c) => c.id === 'records');

it('a bundle that listed /var/lib/whydied is read there, whatever the replaying WHYDIED_STATE_DIR', async () => {
  const a = path.join(tmp, 'a');
  const pid = await recordedDeath(a);
  const file = path.join(tmp, 'root.json');
  capture(pid, a, file);
  // Make it the bundle a root capture (no WHYDIED_STATE_DIR) would have written.
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    dirs: Record<string, unknown>;
    texts: Record<string, unknown>;
  };
  bundle.dirs['/var/lib/whydied'] = bundle.dirs[a];
  delete bundle.dirs[a];
  bundle.texts[`/var/lib/whydied/${RECORDS_FILE}`] = bundle.texts[path.join(a, RECORDS_FILE)];
  delete bundle.texts[path.join(a, RECORDS_FILE)];
  fs.writeFileSync(file, JSON.stringify(bundle));

  const res = runCli(['--json', '--from', file, String(pid)], {
    env: { WHYDIED_STATE_DIR: path.join(tmp, 'elsewhere') },
  });
  const [report] = reportsOf<Report>(res.stdout);
  expect(recordsFinding(report)?.code).toBe('recorded-death');
  expect(report.verdict.cause).toMatchObject({ kind: 'signal', signal: 'SIGKILL', source: 'record' });
  expect(res.status).toBe(3);
});

it('a bundle holding none of the candidate dirs says the records were not captured', async () => {
  const a = path.join(tmp, 'a2');
  const pid = await recordedDeath(a);
  const file = path.join(tmp, 'other.json');
  capture(pid, a, file);
  const res = runCli(['--json', '--from', file, String(pid)], {
    env: { WHYDIED_STATE_DIR: path.join(tmp, 'elsewhere') },
  });
  const [report] = reportsOf<Report>(res.stdout);
  expect(recordsFinding(report)?.code).toBe('records-not-captured');
});
