/**
 * Stale-instance cleanup judges the owner by what it is, not by kill(pid, 0): a zombie owner (a SIGKILLed
 * watcher its parent has not reaped) and a reused pid running something else both count as dead; a live
 * node process keeps its instance.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureTracefs, ownerAlive, removeStaleInstances } from '../../src/source/trace/tracefs';
import { cleanupProcesses, descendantsOf, isRoot, startDetached, track, waitFor } from '../helpers/processes';

const root = isRoot();
const maybe = root ? describe : describe.skip;
if (!root) console.log('skipping stale-instance tests: tracefs needs root');

const stateOf = (pid: number): string => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
};

const made: string[] = [];
/** An instance named as if `owner` had created it. */
function fakeInstance(owner: number): string {
  const name = `whydied-${owner}-${Math.floor(Math.random() * 0xffffff).toString(16)}`;
  fs.mkdirSync(path.join(ensureTracefs(), 'instances', name));
  made.push(name);
  return name;
}
const exists = (name: string): boolean => fs.existsSync(path.join(ensureTracefs(), 'instances', name));

afterEach(() => {
  cleanupProcesses();
  for (const name of made.splice(0)) {
    try {
      fs.rmdirSync(path.join(ensureTracefs(), 'instances', name));
    } catch {
      /* already removed by the code under test */
    }
  }
});

maybe('stale instance owners', () => {
  it('a zombie owner is dead: its instance is removed', async () => {
    // The exec'd `sleep 1000` never reaps its background child, which stays a zombie once it exits.
    const parent = startDetached('bash', ['-c', 'sleep 0.1 & exec sleep 1000']);
    let zombie = 0;
    expect(await waitFor(() => descendantsOf(parent).some((p) => stateOf(p) === 'Z' && (zombie = p) > 0), 5000)).toBe(
      true,
    );
    track(zombie);
    expect(ownerAlive(zombie)).toBe(false);
    const name = fakeInstance(zombie);
    expect(removeStaleInstances()).toContain(name);
    expect(exists(name)).toBe(false);
  });

  it('a live owner that is not node/whydied (pid reused) is dead; a live node owner is kept', async () => {
    const other = startDetached('sleep', ['1000']);
    // Until the exec, the forked child is still a copy of this node process.
    expect(await waitFor(() => fs.readFileSync(`/proc/${other}/cmdline`, 'utf8').startsWith('sleep'))).toBe(true);
    const node = startDetached(process.execPath, ['-e', 'setTimeout(() => undefined, 100000)']);
    const reused = fakeInstance(other);
    const live = fakeInstance(node);
    const removed = removeStaleInstances();
    expect(removed).toContain(reused);
    expect(removed).not.toContain(live);
    expect(exists(live)).toBe(true);
    expect(ownerAlive(node)).toBe(true);
  });

  it('an instance made inside another PID namespace is left to that namespace: its pid means nothing here', async () => {
    // A recorder in a container of its own (pid 1 or 2 there) names its instance after that pid; to the host
    // the same number is another process (here: init, alive; or nothing). The name carries the namespace.
    const lib = path.join(__dirname, '../../dist/src/source/trace/tracefs.js');
    const script = `const t=require(${JSON.stringify(lib)});const i=t.createInstance();require('fs').writeFileSync(process.argv[1],i.name);setInterval(()=>{},1e6)`;
    const out = path.join(fs.mkdtempSync('/tmp/whydied-pidns-'), 'name');
    const sh = startDetached('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '-e', script, out]);
    expect(await waitFor(() => fs.existsSync(out) && fs.readFileSync(out, 'utf8') !== '', 10000)).toBe(true);
    const name = fs.readFileSync(out, 'utf8');
    made.push(name);
    for (const p of descendantsOf(sh)) track(p);
    const ns = fs.readlinkSync('/proc/self/ns/pid');
    expect(name).toMatch(/^whydied-\d+-n\d+-[0-9a-f]+$/);
    expect(ns).not.toContain(name.split('-')[2].slice(1));
    expect(removeStaleInstances()).not.toContain(name);
    expect(exists(name)).toBe(true);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
