/**
 * Scopes and slices on a pure cgroup v2 host, made real in the VM: a docker-style scope killed with
 * `cgroup.kill`, kubepods-style slices and a scope stopped with `systemctl kill`, a service killed with
 * `systemctl kill`; the recorder (run as the unit whydied prints) names each death, and whydied's answer
 * before and after is checked against it. No container runtime inside: the scopes are the cgroups docker and
 * the kubelet make (systemd cgroup driver), made with systemd-run --scope.
 */
import {
  aliveInside,
  check,
  mainPid,
  must,
  report,
  risk,
  sh,
  startRecorder,
  TAG,
  unavailable,
  waitInside,
  whydiedWith,
} from './harness';
import type { Report } from '../../src/engine/types';

jest.setTimeout(300000);

const skip = unavailable();
if (skip) console.log(`[v2vm] skipped: ${skip}`);
const t = skip ? test.skip : test;
const STATE = `/var/lib/wdrec-${TAG}`;
let stopRecorder: (() => void) | null = null;
const hex = (seed: string): string => (seed.repeat(64) + '0'.repeat(64)).replace(/[^0-9a-f]/g, 'a').slice(0, 64);

beforeAll(async () => {
  if (skip) return;
  stopRecorder = await startRecorder(STATE);
});

afterAll(() => {
  if (skip) return;
  stopRecorder?.();
  sh(`rm -rf ${STATE}`);
});

/** A scope made the way the runtime's systemd cgroup driver makes it; returns its member's pid. */
async function scope(unitName: string, slice: string, a: string): Promise<number> {
  must(`setsid -f systemd-run -q --scope --unit=${unitName} --slice=${slice} sleep ${a} </dev/null >/dev/null 2>&1`);
  // systemd-run --scope execs the program by its full path.
  expect(await waitInside(`pgrep -f '^/usr/bin/sleep ${a}$'`)).toBe(true);
  return Number(must(`pgrep -f '^/usr/bin/sleep ${a}$' | head -1`));
}

/** The recorder's cause for a pid (whydied reading its state dir), waiting for the record to be written. */
async function recorded(pid: number): Promise<Report> {
  let r: Report | undefined;
  const end = Date.now() + 60000;
  while (Date.now() < end) {
    r = whydiedWith(STATE, [String(pid)]).reports[0];
    if (r?.verdict.cause?.source === 'record') return r;
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`no record for ${pid}: ${JSON.stringify(r?.verdict)}`);
}

let dockerKill: Report | null = null;

t('docker-style scope killed with cgroup.kill: a container before, the recorder names the kill after', async () => {
  const id = hex(`d${TAG}`);
  const a = `${2000 + (Number(TAG) % 5000)}1`;
  const pid = await scope(`docker-${id}.scope`, 'system.slice', a);
  const live = report([String(pid)]);
  // Classified by its path (a container's scope), not a unit of its own.
  expect(JSON.stringify(check(live, 'cgroup').evidence)).toContain(`/system.slice/docker-${id}.scope`);
  expect(risk(live, 'container-stop').outcome).toBe('dies');
  // What a runtime (or an admin) does: every member SIGKILLed from inside the kernel.
  must(`echo 1 > /sys/fs/cgroup/system.slice/docker-${id}.scope/cgroup.kill`);
  expect(await waitInside(`! kill -0 ${pid} 2>/dev/null`, 20000)).toBe(true);
  const after = await recorded(pid);
  expect(after.state).toBe('dead');
  expect(after.verdict.cause).toMatchObject({ kind: 'signal', signal: 'SIGKILL', source: 'record' });
  dockerKill = after;
});

// src/observe/derive.ts names a cgroup.kill only for SI_USER, grp 0 and no kill/tgkill/pidfd_send_signal call
// aimed at the victim: the recorder traces those calls as watch does (it once traced kill only, and said "sent
// SIGKILL to it directly").
t('the recorder names that cgroup.kill as such, with the writer', () => {
  expect(dockerKill?.verdict.cause?.details).toMatchObject({ mechanism: 'cgroup-kill' });
  expect(dockerKill?.verdict.cause?.sender?.comm).toMatch(/^(bash|sh|dash)$/);
});

t('kubepods-style slices and scope stopped with systemctl kill: the recorder names SIGTERM from systemd', async () => {
  const pod = `pod${TAG}`;
  const id = hex(`c${TAG}`);
  const a = `${2000 + (Number(TAG) % 5000)}2`;
  const unitName = `cri-containerd-${id}.scope`;
  const pid = await scope(unitName, `kubepods-burstable-${pod}.slice`, a);
  // The slice name's dashes make the kubelet's hierarchy.
  expect(must(`cat /proc/${pid}/cgroup`)).toBe(
    `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-${pod}.slice/${unitName}`,
  );
  const live = report([String(pid)]);
  expect(risk(live, 'container-stop').outcome).toBe('dies');
  must(`systemctl kill --signal=SIGTERM ${unitName}`);
  expect(await waitInside(`! kill -0 ${pid} 2>/dev/null`, 20000)).toBe(true);
  const after = await recorded(pid);
  expect(after.verdict.cause).toMatchObject({ kind: 'signal', signal: 'SIGTERM', sender: { pid: 1 } });
  sh(`systemctl stop kubepods.slice`);
});

t(
  'systemctl kill of a service: systemd says the signal (labelled systemd), the recorder names the sender',
  async () => {
    const u = `wdkill${TAG}`;
    must(`systemd-run -q --unit=${u} sleep 1000`);
    const pid = await mainPid(`${u}.service`);
    expect(aliveInside(pid)).toBe(true);
    must(`systemctl kill --signal=SIGUSR1 ${u}.service`);
    expect(await waitInside(`test "$(systemctl show ${u}.service -p ExecMainCode --value)" = 2`, 20000)).toBe(true);
    const plain = report([String(pid)]);
    const su = check(plain, 'systemd-unit');
    expect(su.code).toBe('unit-result');
    expect(su.cause).toMatchObject({ kind: 'signal', signal: 'SIGUSR1', source: 'systemd' });
    const after = await recorded(pid);
    expect(after.verdict.cause).toMatchObject({ kind: 'signal', signal: 'SIGUSR1', sender: { pid: 1 } });
    sh(`systemctl reset-failed ${u}.service`);
  },
);
