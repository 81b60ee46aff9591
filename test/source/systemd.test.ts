/** Parsers of the systemd fact source: `systemctl show` output, timespans, logind.conf (including the commented compiled default). */
import { parseShow, timespanMs, userUnitStates } from '../../src/source/systemd';
import { toUnitState } from '../../src/source/systemd/unit-state';
import { parseKillUserProcesses, readKillUserProcesses } from '../../src/source/systemd/logind';
import { createFacts } from '../../src/source/facts';
import { createLiveSource } from '../../src/source/live-source';
import type { RawSource, Read } from '../../src/source/types';

// Captured from `systemctl show --timestamp=unix -p ... -- demo.service nosuch.service` in the booted container.
const SHOW = `Restart=no\nRestartUSec=100ms\nMainPID=0\nResult=signal\nNRestarts=0\nExecMainStartTimestamp=@1795334882\nExecMainExitTimestamp=@1795334930\nExecMainPID=80\nExecMainCode=2\nExecMainStatus=9\nMemoryMax=41943040\nKillMode=control-group\nId=demo.service\nLoadState=loaded\nActiveState=failed\nSubState=failed\n\nRestart=no\nMainPID=0\nExecMainPID=0\nExecMainCode=0\nMemoryMax=infinity\nId=nosuch.service\nLoadState=not-found\n`;

test('systemctl show blocks become unit states keyed by Id', () => {
  const units = parseShow(SHOW).map(toUnitState);
  expect(units).toHaveLength(2);
  expect(units[0]).toMatchObject({
    id: 'demo.service',
    execMainPid: 80,
    execMainCode: 'killed',
    execMainStatus: 9,
    result: 'signal',
    memoryMax: 41943040,
    execMainExitMs: 1795334930000,
    restart: 'no',
    killMode: 'control-group',
    type: 'service',
  });
  expect(units[1]).toMatchObject({ id: 'nosuch.service', loadState: 'not-found', execMainCode: null, memoryMax: null });
  expect(parseShow('garbage\n\n=x\n')).toEqual([]);
});

test('systemd timespans', () => {
  expect(timespanMs('100ms')).toBe(100);
  expect(timespanMs('5s')).toBe(5000);
  expect(timespanMs('1min 30s')).toBe(90000);
  expect(timespanMs('infinity')).toBeNull();
  expect(timespanMs('')).toBeNull();
});

test('KillUserProcesses: assignments in [Login], and the commented default of the shipped file', () => {
  expect(parseKillUserProcesses('[Login]\nKillUserProcesses=yes\n')).toBe(true);
  expect(parseKillUserProcesses('[Login]\n#KillUserProcesses=no\n')).toBeNull();
  expect(parseKillUserProcesses('[Login]\n#KillUserProcesses=no\n', true)).toBe(false);
  expect(parseKillUserProcesses('[Other]\nKillUserProcesses=yes\n')).toBeNull();
});

function withFiles(files: Record<string, string>): RawSource {
  const live = createLiveSource();
  const dirs = new Map<string, string[]>();
  for (const f of Object.keys(files)) {
    const d = f.slice(0, f.lastIndexOf('/'));
    dirs.set(d, [...(dirs.get(d) ?? []), f.slice(f.lastIndexOf('/') + 1)]);
  }
  const missing = <T>(p: string): Read<T> => ({ ok: false, code: 'ENOENT', message: p });
  return {
    ...live,
    readText: (p) => (p in files ? { ok: true, value: files[p] } : missing(p)),
    listDir: (p) => (dirs.has(p) ? { ok: true, value: dirs.get(p) as string[] } : missing(p)),
  };
}

test('readKillUserProcesses says which file decided, and when it is the compiled-in default', () => {
  const shipped = '[Login]\n#NAutoVTs=6\n#KillUserProcesses=no\n#KillExcludeUsers=root\n';
  expect(readKillUserProcesses(createFacts(withFiles({ '/etc/systemd/logind.conf': shipped })))).toEqual({
    value: false,
    source: '/etc/systemd/logind.conf',
    compiledDefault: true,
  });
  const dropins = {
    '/etc/systemd/logind.conf': shipped,
    '/usr/lib/systemd/logind.conf.d/10-a.conf': '[Login]\nKillUserProcesses=no\n',
    '/etc/systemd/logind.conf.d/50-b.conf': '[Login]\nKillUserProcesses=yes\n',
  };
  expect(readKillUserProcesses(createFacts(withFiles(dropins)))).toEqual({
    value: true,
    source: '/etc/systemd/logind.conf.d/50-b.conf',
    compiledDefault: false,
  });
  // A same-named drop-in in /etc hides the one in /usr/lib.
  const hidden = {
    '/usr/lib/systemd/logind.conf.d/50-b.conf': '[Login]\nKillUserProcesses=yes\n',
    '/etc/systemd/logind.conf.d/50-b.conf': '[Login]\nKillUserProcesses=no\n',
  };
  expect(readKillUserProcesses(createFacts(withFiles(hidden)))).toMatchObject({
    value: false,
    source: '/etc/systemd/logind.conf.d/50-b.conf',
  });
  expect(readKillUserProcesses(createFacts(withFiles({})))).toEqual({
    value: null,
    source: null,
    compiledDefault: false,
  });
});

test("a user manager's answer keeps only enum words and numbers: its text is the user's", () => {
  const [u] = parseShow(
    'Id=x.service\nType=oneshot\nRemainAfterExit=yes\nExitType=cgroup\nKillMode=process\x1b[31m\nMainPID=12\n',
  ).map(toUnitState);
  expect(u).toMatchObject({ serviceType: 'oneshot', remainAfterExit: true, exitType: 'cgroup', killMode: null });
  const [v] = parseShow('Id=y.service\nType=\nRemainAfterExit=maybe\n').map(toUnitState);
  expect(v).toMatchObject({ serviceType: null, remainAfterExit: null, exitType: null });
});

test("a user unit is asked of the user's own manager as that user, never as root; others cannot ask", () => {
  const argvs: string[][] = [];
  const raw: RawSource = {
    ...withFiles({}),
    listDir: (p) => (p === '/run/systemd/system' ? { ok: true, value: [] } : { ok: false, code: 'ENOENT', message: p }),
    command: (argv) => {
      argvs.push([...argv]);
      return { ok: true, value: 'Id=app.service\nLoadState=loaded\nMainPID=7\nKillMode=mixed\n' };
    },
  };
  const me = process.getuid?.() ?? 0;
  const other = me === 0 ? 1000 : me + 1;
  const mine = userUnitStates(createFacts(raw), { uid: me, gid: 5 }, ['app.service', '--evil.service']);
  expect(mine).toMatchObject({ ok: true, units: [{ id: 'app.service', mainPid: 7, killMode: 'mixed' }] });
  // Its own manager: no credential change, a clean environment naming its runtime dir.
  expect(argvs[0].slice(0, 6)).toEqual([
    'env',
    '-i',
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `XDG_RUNTIME_DIR=/run/user/${me}`,
    'systemctl',
    '--user',
  ]);
  expect(argvs[0]).not.toContain('--evil.service');
  const theirs = userUnitStates(createFacts(raw), { uid: other, gid: 1234 }, ['app.service']);
  if (me === 0) {
    expect(theirs.ok).toBe(true);
    expect(argvs[1].slice(0, 5)).toEqual(['setpriv', `--reuid=${other}`, '--regid=1234', '--clear-groups', '--']);
  } else {
    expect(theirs).toMatchObject({ ok: false });
    expect(argvs).toHaveLength(1);
  }
});
