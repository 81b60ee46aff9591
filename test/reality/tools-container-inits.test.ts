/**
 * Container inits (tini, dumb-init, catatonit): each relays its stop to the command it runs (parent.stopper,
 * by keeper). As pid 1 of a PID namespace, tini's command is launched by it, not adopted, and dies with
 * the namespace; the first remedy, pasted on the host, survives the next container stop. Seen from inside
 * the container (whydied run in the namespace), no relaunch inside escapes: the remedy offers no
 * `setsid -f`, only the container's restart policy when its id is known.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { isAlive, procStat, track, waitFor } from '../helpers/processes';
import { cleanEnv } from '../scenarios/helpers';
import type { Report } from '../../src/engine/types';
import { launch, missingTool, signal, tempDir } from './harness/tools';
import { pidnsAvailable, startPidNamespace } from './harness/pidns';
import { onTeardown } from './harness/teardown';
import { realitySuite } from './harness/suite';
import {
  diagnose,
  expectReality,
  expectRule,
  firstReport,
  outcomeOf,
  relaunched,
  riskOf,
  uniqueSleep,
} from './predict';
import { spawnSync } from 'child_process';

const { need, unless } = realitySuite('tools-container-inits');

const needNs = (...tools: string[]): jest.It => unless(missingTool(...tools) ?? pidnsAvailable());
const CLI = path.join(__dirname, '..', '..', 'dist', 'whydied.js');

/** Start `argv` ending in `sleep N`, stop the init with SIGTERM, hold the parent-exit row to what happened. */
async function initStops(argv: readonly string[]): Promise<void> {
  const n = uniqueSleep();
  const l = await launch([...argv, 'sleep', n], ['sleep', n]);
  try {
    const r = diagnose(l.pid);
    const pe = expectRule(r, 'parent-exit', 'parent.stopper');
    expect(pe.by).toBe('keeper');
    signal(l.parentPid, 'SIGTERM');
    expectReality(pe, await outcomeOf(l.pid, pe));
  } finally {
    await l.stop();
  }
}

describe('container inits relay their stop', () => {
  need('dumb-init')('dumb-init: SIGTERM to the init ends its command', () => initStops(['dumb-init']));
  need('catatonit')('catatonit: SIGTERM to the init ends its command', () => initStops(['catatonit', '--']));
  need('tini')('tini: SIGTERM to the init ends its command', () => initStops(['tini', '--']));
});

describe('tini as the init of a PID namespace', () => {
  needNs('tini')(
    'its command is launched by tini, not adopted; it dies with the container, and the host remedy survives the next stop',
    async () => {
      const n = uniqueSleep();
      const box = await startPidNamespace(`tini -- sleep ${n}`, { comm: 'tini', asInit: true });
      const pid = await relaunched(['sleep', n], []);
      expect(procStat(pid)?.ppid).toBe(box.nsInitPid);
      const r = diagnose(pid);
      // tini is pid 1 there: the kernel's zap of the namespace decides its parent's end, not the relay.
      const pe = expectRule(r, 'parent-exit', 'parent.namespace-init');
      expect(pe.reason).toMatch(/tini/);
      const c = expectRule(r, 'container-stop', 'container.pid-namespace');
      expect(r.verdict.status).toBe('at-risk');
      await box.stop();
      expectReality(c, await outcomeOf(pid, c));
      // Paste the first remedy on the host, then stop another container: the relaunched process stays.
      const cmd = r.remedy[0];
      expect(cmd).toMatch(/setsid -f sleep /);
      expect(spawnSync('bash', ['-c', cmd]).status).toBe(0);
      const again = await relaunched(['sleep', n], [pid]);
      const after = diagnose(again);
      expectRule(after, 'container-stop', 'container.host');
      const other = await startPidNamespace(`sleep ${uniqueSleep()}`, { comm: 'sleep' });
      await other.stop();
      expect(await outcomeOf(again, riskOf(after, 'container-stop'))).toBe(false);
    },
  );

  needNs('tini', 'unshare')(
    'seen from inside the container: its init is a container init, and no relaunch inside is offered',
    async () => {
      const dir = tempDir('inside');
      const n = uniqueSleep();
      const out = path.join(dir, 'report.json');
      const state = path.join(dir, 'state');
      fs.mkdirSync(state);
      // whydied itself runs in the namespace (its /proc mounted there), on a sibling of its own.
      const inner = `sleep ${n} & WHYDIED_STATE_DIR=${state} ${process.execPath} ${CLI} $! --json > ${out} 2>${out}.err; wait`;
      const child = spawn(
        'unshare',
        ['--pid', '--fork', '--mount-proc', '--kill-child', 'tini', '--', 'sh', '-c', inner],
        {
          stdio: 'ignore',
          env: cleanEnv(),
        },
      );
      const unshare = track(child.pid ?? 0);
      onTeardown(`unshare ${unshare}`, () => void (isAlive(unshare) && process.kill(unshare, 'SIGKILL')));
      const pid = await relaunched(['sleep', n], []);
      expect(
        await waitFor(() => fs.existsSync(out) && fs.statSync(out).size > 0 && procStat(pid) !== null, 60000),
      ).toBe(true);
      await waitFor(() => {
        try {
          JSON.parse(fs.readFileSync(out, 'utf8'));
          return true;
        } catch {
          return false;
        }
      }, 30000);
      const r: Report = firstReport(fs.readFileSync(out, 'utf8'));
      const c = expectRule(r, 'container-stop', 'container.init');
      expect(r.remedy.some((x) => x.includes('setsid'))).toBe(false);
      // Stop the container: its init (tini, pid 1 inside) goes, and the kernel takes the rest.
      const tini = procStat(procStat(pid)?.ppid ?? 0)?.ppid ?? 0;
      expect(procStat(tini)?.comm).toBe('tini');
      process.kill(tini, 'SIGKILL');
      expectReality(c, await outcomeOf(pid, c));
    },
  );
});
