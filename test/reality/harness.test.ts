/**
 * Self-test of the reality harness: each event the harness can make happen really happens, with the kernel's
 * and bash's known outcomes. Every process is checked alive just before its event, so a death is the event's.
 * The known facts (bash 5, Linux):
 * - SSH connection dropped: the kernel hangs up the pty, the login bash gets SIGHUP and resends it to its jobs:
 *   `sleep &` dies; `nohup sleep &` (SIGHUP ignored) and `sleep & disown` / `disown -h` (not sent) survive.
 * - `exit` from a login shell: running jobs get nothing (no huponexit) and survive; with `shopt -s huponexit`
 *   they get SIGHUP and die; stopped jobs always get SIGHUP + SIGCONT and die.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { groupMembers, isAlive, procStat, readPidFile, waitFor, waitGone } from '../helpers/processes';
import { environOf, githubActionsReap, gitlabShellReap, jenkinsReap, trackingId } from './harness/ci-reapers';
import { localShell } from './harness/local-shell';
import { sshLogin } from './harness/login';
import { createMemcg, hogComm, memcgAvailable, startHeldHog, startHog } from './harness/memcg';
import { containerCgroupAvailable, startCgroupContainer } from './harness/container-cgroup';
import { screenAvailable, startScreen, startTmux, tmuxAvailable } from './harness/multiplexers';
import { pidnsAvailable, startPidNamespace } from './harness/pidns';
import { killGroup, startRunner } from './harness/runner';
import { Sshd, sshdAvailable, startSshd } from './harness/sshd';
import { onTeardown } from './harness/teardown';
import { realitySuite } from './harness/suite';

// An undo that fails fails this file: the harness's own teardown is under test here.
const { part, unless } = realitySuite('harness', null, { checkTeardown: true });
const sshdSuite = part('harness/ssh-login', sshdAvailable());
const pidnsTest = unless(pidnsAvailable(), 'the PID namespace test');
const memcgTest = unless(memcgAvailable(), 'the memory cgroup test');
const containerTest = unless(containerCgroupAvailable(), 'the container cgroup test');
const tmuxTest = unless(tmuxAvailable(), 'the tmux test');
const screenTest = unless(screenAvailable(), 'the screen test');

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'whydied-harness-'));
  onTeardown(`harness temp dir ${tmp}`, () => fs.rmSync(tmp, { recursive: true, force: true }));
});

/** A pid file path in this file's temp dir. */
const pidFile = (name: string): string => path.join(tmp, `${name}.pid`);

sshdSuite('SSH login on a private sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  test('a login bash leads its session on a pts; typed exports reach its jobs', async () => {
    const id = trackingId('env');
    const sh = await sshLogin(sshd, { env: { RUNNER_TRACKING_ID: id } });
    const st = procStat(sh.shellPid);
    expect(st?.sid).toBe(sh.shellPid);
    expect(sh.tty).toMatch(/^\/dev\/pts\/\d+$/);
    expect(fs.readFileSync(`/proc/${sh.shellPid}/cmdline`, 'utf8').split('\0')[0]).toBe('-bash');
    expect(await sh.run('echo "$RUNNER_TRACKING_ID"; (exit 7)')).toEqual({ out: id, status: 7 });
    const job = await sh.background('sleep 3001', { comm: 'sleep' });
    expect(environOf(job)?.get('RUNNER_TRACKING_ID')).toBe(id);
    // Job control: the job leads its own group in the shell's session.
    expect(procStat(job)).toMatchObject({ pgid: job, sid: sh.shellPid });
    await sh.exit();
  });

  test('dropped connection: & dies; nohup, disown and disown -h survive', async () => {
    const sh = await sshLogin(sshd);
    const plain = await sh.background('sleep 3002', { comm: 'sleep' });
    const nohup = await sh.background('nohup sleep 3003 >/dev/null 2>&1', { comm: 'sleep' });
    const disowned = await sh.background('sleep 3004', { comm: 'sleep' });
    expect((await sh.run(`disown ${disowned}`)).status).toBe(0);
    const disownH = await sh.background('sleep 3005', { comm: 'sleep' });
    expect((await sh.run(`disown -h ${disownH}`)).status).toBe(0);
    // disown removed the job from the table; disown -h kept it there, marked not to get SIGHUP.
    const jobPids = [...(await sh.run('jobs -l')).out.matchAll(/^\[\d+\][+-]?\s+(\d+)/gm)].map((m) =>
      parseInt(m[1], 10),
    );
    expect(jobPids.sort()).toEqual([plain, nohup, disownH].sort());
    expect([plain, nohup, disowned, disownH].every(isAlive)).toBe(true);
    await sh.drop();
    expect(await waitGone(plain, 5000)).toBe(true);
    expect({ nohup: isAlive(nohup), disowned: isAlive(disowned), disownH: isAlive(disownH) }).toEqual({
      nohup: true,
      disowned: true,
      disownH: true,
    });
  });

  test('exit: a running job survives, a stopped job dies', async () => {
    const sh = await sshLogin(sshd);
    const running = await sh.background('sleep 3006', { comm: 'sleep' });
    const stopped = await sh.foreground('sleep 3007', { comm: 'sleep' });
    await sh.stopForeground(stopped);
    await sh.exit();
    expect(await waitGone(stopped, 5000)).toBe(true);
    expect(isAlive(running)).toBe(true);
  });

  test('exit with huponexit: a running job dies', async () => {
    const sh = await sshLogin(sshd);
    await sh.run('shopt -s huponexit');
    const running = await sh.background('sleep 3008', { comm: 'sleep' });
    expect(isAlive(running)).toBe(true);
    await sh.exit();
    expect(await waitGone(running, 5000)).toBe(true);
  });
});

test('local pty shell: hangup kills & jobs, nohup survives; exit works', async () => {
  const sh = await localShell();
  expect(procStat(sh.shellPid)?.sid).toBe(sh.shellPid);
  const plain = await sh.background('sleep 3011', { comm: 'sleep' });
  const nohup = await sh.background('nohup sleep 3012 >/dev/null 2>&1', { comm: 'sleep' });
  expect(isAlive(plain) && isAlive(nohup)).toBe(true);
  await sh.hangup();
  expect(await waitGone(plain, 5000)).toBe(true);
  expect(isAlive(nohup)).toBe(true);

  const sh2 = await localShell();
  const kept = await sh2.background('sleep 3013', { comm: 'sleep' });
  await sh2.exit();
  expect(isAlive(kept)).toBe(true);
});

describe('automation-tool runners', () => {
  test('a runner shell that exits leaves nohup in its group; the group kill ends it, setsid -f escapes', async () => {
    const script = `nohup sleep 3021 >/dev/null 2>&1 & echo $! > ${pidFile('grp')}; setsid -f sh -c 'echo $$ > ${pidFile('esc')}; exec sleep 3022'`;
    const r = await startRunner(script, { keepAlive: true });
    expect(await r.shellExit).toEqual({ code: 0, signal: null });
    const inGroup = await readPidFile(pidFile('grp'));
    const escaped = await readPidFile(pidFile('esc'));
    expect(await waitFor(() => procStat(escaped)?.comm === 'sleep')).toBe(true);
    // The shell is gone; its group lives on in the nohup'd process.
    expect(isAlive(r.shellPid)).toBe(false);
    expect(groupMembers(r.pgid)).toEqual([inGroup]);
    expect(procStat(escaped)?.pgid).toBe(escaped);
    const kill = await killGroup(r.pgid, { graceMs: 2000 });
    expect(kill).toEqual({ termed: [inGroup], killed: [] });
    expect(isAlive(inGroup)).toBe(false);
    expect(isAlive(escaped)).toBe(true);
    expect(isAlive(r.toolPid)).toBe(true);
    await r.stop();
  });

  test('a member ignoring SIGTERM gets SIGKILL after the grace period (setsid-made group)', async () => {
    const script = `sh -c "trap '' TERM; exec sleep 3023" & echo $! > ${pidFile('stubborn')}; wait`;
    const r = await startRunner(script, { group: 'setsid' });
    expect(procStat(r.shellPid)?.sid).toBe(r.shellPid);
    const stubborn = await readPidFile(pidFile('stubborn'));
    expect(await waitFor(() => procStat(stubborn)?.comm === 'sleep')).toBe(true);
    const kill = await killGroup(r.pgid, { graceMs: 300 });
    expect(kill.termed.sort()).toEqual([r.shellPid, stubborn].sort());
    expect(kill.killed).toEqual([stubborn]);
    expect(await r.shellExit).toEqual({ code: null, signal: 'SIGTERM' });
  });
});

describe('CI reapers select by their real rule', () => {
  test('GitHub Actions: the job tracking id dies, an emptied or different one survives', async () => {
    const id = trackingId('gh');
    const script = [
      `sleep 3031 & echo $! > ${pidFile('gh-victim')}`,
      `RUNNER_TRACKING_ID= sleep 3032 & echo $! > ${pidFile('gh-empty')}`,
      `RUNNER_TRACKING_ID=${trackingId('other')} sleep 3033 & echo $! > ${pidFile('gh-other')}`,
    ].join('\n');
    const r = await startRunner(script, { env: { RUNNER_TRACKING_ID: id }, keepAlive: true });
    await r.shellExit;
    const [victim, empty, other] = await Promise.all(
      ['gh-victim', 'gh-empty', 'gh-other'].map((n) => readPidFile(pidFile(n))),
    );
    expect(await waitFor(() => [victim, empty, other].every((p) => procStat(p)?.comm === 'sleep'))).toBe(true);
    expect(await githubActionsReap(id)).toEqual([victim]);
    expect([isAlive(victim), isAlive(empty), isAlive(other), isAlive(r.toolPid)]).toEqual([false, true, true, true]);
    await r.stop();
  });

  test('Jenkins: JENKINS_NODE_COOKIE or BUILD_ID equal to the cookie dies, dontKillMe survives', async () => {
    const cookie = trackingId('jenkins');
    const script = [
      `sleep 3041 & echo $! > ${pidFile('j-node')}`,
      `JENKINS_NODE_COOKIE=dontKillMe BUILD_ID=dontKillMe sleep 3042 & echo $! > ${pidFile('j-escape')}`,
      `JENKINS_NODE_COOKIE=dontKillMe BUILD_ID=${cookie} sleep 3043 & echo $! > ${pidFile('j-build')}`,
    ].join('\n');
    const r = await startRunner(script, { env: { JENKINS_NODE_COOKIE: cookie, BUILD_ID: 'x' } });
    await r.shellExit;
    const [node, escape, build] = await Promise.all(
      ['j-node', 'j-escape', 'j-build'].map((n) => readPidFile(pidFile(n))),
    );
    expect(await waitFor(() => [node, escape, build].every((p) => procStat(p)?.comm === 'sleep'))).toBe(true);
    expect((await jenkinsReap(cookie)).sort()).toEqual([node, build].sort());
    expect([isAlive(node), isAlive(escape), isAlive(build)]).toEqual([false, true, false]);
  });

  test('GitLab shell executor: the script group dies (CI_JOB_ID does not matter), setsid escapes', async () => {
    const script = [
      `sleep 3051 & echo $! > ${pidFile('gl-group')}`,
      `setsid -f sh -c 'echo $$ > ${pidFile('gl-setsid')}; exec sleep 3052'`,
      'wait',
    ].join('\n');
    const r = await startRunner(script, { env: { CI_JOB_ID: '1', GITLAB_CI: 'true' }, keepAlive: true });
    const [member, escaped] = await Promise.all(['gl-group', 'gl-setsid'].map((n) => readPidFile(pidFile(n))));
    expect(await waitFor(() => [member, escaped].every((p) => procStat(p)?.comm === 'sleep'))).toBe(true);
    // The script shell leads a group inside the tool's session (Setpgid, not setsid).
    expect(procStat(r.shellPid)?.sid).toBe(procStat(r.toolPid)?.sid);
    const killed = await gitlabShellReap(r.pgid, { graceMs: 1000 });
    expect(killed.sort()).toEqual([r.shellPid, member].sort());
    expect([isAlive(member), isAlive(escaped), isAlive(r.toolPid)]).toEqual([false, true, true]);
    await r.stop();
  });
});

pidnsTest('PID namespace: stopping its init kills every member', async () => {
  const ns = await startPidNamespace(`sh -c 'sleep 3062 & exec sleep 3061'`, { comm: 'sleep' });
  expect(ns.pid).not.toBe(ns.nsInitPid);
  // The init shell, the workload (exec'd into sleep 3061) and the workload's own child.
  expect(await waitFor(() => ns.members().length === 3)).toBe(true);
  const members = ns.members();
  expect(members).toEqual(expect.arrayContaining([ns.nsInitPid, ns.pid]));
  expect(fs.readFileSync(`/proc/${ns.nsInitPid}/status`, 'utf8')).toMatch(/^NSpid:\s+\d+\s+1$/m);
  const seen = await ns.stop();
  expect(seen.sort()).toEqual(members.sort());
  expect(members.some(isAlive)).toBe(false);
});

containerTest('container cgroup: stopping it kills every member, setsid ones too', async () => {
  const c = await startCgroupContainer(`sh -c 'setsid -f sleep 3083; sleep 3082 & exec sleep 3081'`, { comm: 'sleep' });
  // The three sleeps, each exec'd: `setsid -f` forks, and its child calls setsid() only then execs (util-linux
  // setsid.c), so a count of 3 alone can catch that child before its setsid (or the shell before its exec).
  expect(
    await waitFor(() => {
      const m = c.members();
      return m.length === 3 && m.every((p) => procStat(p)?.comm === 'sleep');
    }),
  ).toBe(true);
  const members = c.members();
  expect(fs.readFileSync(`/proc/${c.pid}/cgroup`, 'utf8')).toContain(`/docker/${c.id}`);
  // setsid left the session, not the cgroup.
  const escaped = members.find((p) => p !== c.pid && procStat(p)?.sid === p);
  expect(escaped).toBeDefined();
  expect((await c.stop({ graceMs: 500 })).sort()).toEqual(members.sort());
  expect(members.some(isAlive)).toBe(false);
  expect(fs.existsSync(c.path)).toBe(false);

  const k = await startCgroupContainer('sleep 3084', { style: 'kubepods' });
  expect(fs.readFileSync(`/proc/${k.pid}/cgroup`, 'utf8')).toMatch(
    new RegExp(`/kubepods/besteffort/pod[0-9a-f-]+/${k.id}`),
  );
  await k.stop();
  expect(isAlive(k.pid)).toBe(false);
});

memcgTest('memory cgroup: the OOM killer takes the biggest member, not the allocating one', async () => {
  const cg = createMemcg(64 * 1024 * 1024);
  const small = await startHeldHog(8, { memcg: cg });
  const big = await startHeldHog(32, { memcg: cg });
  expect(cg.oomKills()).toBe(0);
  // 8 + 32 held; the trigger needs 40 more than fits: the kernel kills the biggest task (32), then it fits.
  const trigger = startHog(40, { memcg: cg });
  const ready = await trigger.ready;
  expect(await waitGone(big.pid, 5000)).toBe(true);
  expect(cg.oomKills()).toBeGreaterThanOrEqual(1);
  expect(isAlive(small.pid)).toBe(true);
  if (ready) {
    expect(procStat(trigger.pid)?.comm).toBe(hogComm());
    expect(cg.procs().sort()).toEqual([small.pid, trigger.pid].sort());
  } else {
    // On a loaded machine the victim's pages can be freed late and a second OOM then takes the trigger,
    // which by then is the biggest: only a second kill explains a dead trigger.
    expect(cg.oomKills()).toBeGreaterThanOrEqual(2);
  }
  await cg.remove();
  expect(fs.existsSync(cg.path)).toBe(false);
  // Survivors were moved out, not killed: the test's cleanup ends them.
  expect(isAlive(small.pid)).toBe(true);
});

tmuxTest('tmux with a private socket: the pane lives in the server; kill-server ends both', async () => {
  const mx = await startTmux('sleep 3071');
  expect(procStat(mx.panePid)?.ppid).toBe(mx.serverPid);
  expect(procStat(mx.panePid)?.sid).toBe(mx.panePid);
  await mx.stop();
  expect(await waitGone([mx.panePid, mx.serverPid], 3000)).toBe(true);
});

screenTest('screen with a private SCREENDIR: the window lives in the server; quit ends both', async () => {
  const mx = await startScreen('exec sleep 3072');
  expect(procStat(mx.panePid)?.ppid).toBe(mx.serverPid);
  await mx.stop();
  expect(await waitGone([mx.panePid, mx.serverPid], 3000)).toBe(true);
});
