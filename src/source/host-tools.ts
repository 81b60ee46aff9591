/**
 * Which relaunch tools this host has, so a remedy never names a command that is not there. Existence
 * is probed with a directory listing of the path (a file answers ENOTDIR, a missing one ENOENT): no
 * binary is read, nothing is spawned, and a bundle replays the same answers.
 */
import type { HostTools, RawSource } from './types';

const BIN_DIRS = ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin'];

function present(raw: RawSource, path: string, unknownMeans: boolean): boolean | null {
  const r = raw.listDir(path);
  if (r.ok) return true;
  if (r.code === 'ENOENT') return false;
  return r.code === 'NOTCAPTURED' ? (unknownMeans ? true : null) : true;
}

function onPath(raw: RawSource, name: string, unknownMeans: boolean): boolean {
  let sawUnknown = false;
  for (const dir of BIN_DIRS) {
    const p = present(raw, `${dir}/${name}`, unknownMeans);
    if (p === true) return true;
    if (p === null) sawUnknown = true;
  }
  return sawUnknown ? unknownMeans : false;
}

/** polkitd's D-Bus activation file (Debian's polkitd package; /usr/share/dbus-1 on every distribution). */
function polkitInstalled(raw: RawSource): boolean {
  return present(raw, '/usr/share/dbus-1/system-services/org.freedesktop.PolicyKit1.service', true) === true;
}

/** The effective uid from /proc/self/status (second field of Uid:); null when unreadable or not captured. */
function ownEuid(raw: RawSource): number | null {
  const r = raw.readText('/proc/self/status');
  const m = r.ok ? /^Uid:\s+\d+\s+(\d+)/m.exec(r.value) : null;
  return m ? Number(m[1]) : null;
}

/**
 * Whether whydied itself holds CAP_SYS_RESOURCE (bit 24 of CapEff in /proc/self/status): raising a hard
 * limit needs it (kernel/sys.c do_prlimit). Containers often drop it, even for root. Null when unreadable.
 */
function ownCapSysResource(raw: RawSource): boolean | null {
  const r = raw.readText('/proc/self/status');
  const m = r.ok ? /^CapEff:\s+([0-9a-f]{1,16})$/m.exec(r.value) : null;
  return m ? ((BigInt(`0x${m[1]}`) >> 24n) & 1n) === 1n : null;
}

/** A bundle captured before these probes existed answers NOTCAPTURED: assume util-linux, nothing else. */
export function readHostTools(raw: RawSource): HostTools {
  return {
    setsid: onPath(raw, 'setsid', true),
    systemdRun: onPath(raw, 'systemd-run', false),
    systemdRunning: present(raw, '/run/systemd/system', false) === true,
    tmux: onPath(raw, 'tmux', false),
    loginctl: onPath(raw, 'loginctl', false),
    euid: ownEuid(raw),
    polkit: polkitInstalled(raw),
    capSysResource: ownCapSysResource(raw),
  };
}
