/**
 * A minimal Facts for engine tests that never need the OS: the runner and orchestration only pass
 * facts through to checks, and read host() and raw.now() for the report header.
 */
import type { Facts, ProcStat, RawSource, Read } from '../../src/source/types';

const none = <T>(): Read<T> => ({ ok: false, code: 'NOTCAPTURED', message: 'not in fake facts' });

export function fakeFacts(stats: Array<Pick<ProcStat, 'pid' | 'startTime'>> = []): Facts {
  const raw: RawSource = {
    kind: 'bundle',
    readText: none,
    readLink: none,
    listDir: none,
    envNames: none,
    readKmsg: none,
    command: none,
    hostname: () => 'fakehost',
    now: () => Date.UTC(2024, 4, 1, 12, 0, 0),
  };
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  return {
    raw,
    host: () => ({
      hostname: 'fakehost',
      kernel: '6.1.0-test',
      bootId: 'boot-1',
      bootTime: 1714521600,
      pidMax: 4194304,
      clockTicks: 100,
      uptimeSeconds: 10,
    }),
    process: () => null,
    stat: (pid) => {
      const s = byPid.get(pid);
      return s ? { ok: true, value: { ...s, comm: 'x', state: 'S' } as ProcStat } : none();
    },
    status: none,
    argv: none,
    fds: none,
    cgroups: none,
    oomScore: none,
    oomScoreOnly: none,
    envNames: none,
    processTable: () => [],
    processRows: () => [],
    processesNamed: () => [],
    sessionMembers: () => [],
    oomScores: (pids) => pids.map(() => null),
    readAhead: () => undefined,
    descendants: () => [],
    tcpListeners: () => [],
    socketHolders: () => [],
    pipeHolders: () => [],
    ptyMaster: () => null,
    unixPeer: () => null,
    memoryCgroup: none,
    limits: none,
    schedPolicy: () => null,
    fileWriters: none,
    hostTools: () => ({
      setsid: true,
      systemdRun: false,
      systemdRunning: false,
      tmux: false,
      loginctl: false,
      euid: 0,
    }),
    text: none,
  };
}
