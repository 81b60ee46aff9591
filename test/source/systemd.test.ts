/** Parsers of the systemd fact source: `systemctl show` output, timespans, logind.conf (including the commented compiled default). */
import { parseShow, timespanMs } from '../../src/source/systemd';
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
