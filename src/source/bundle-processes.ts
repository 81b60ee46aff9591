/**
 * A bundle holds other processes only as far as the report shows them. The live source records every read
 * whole: the group and session scans read every process's `stat`, the terminal-holder search every fd list,
 * the :PORT resolution the host's socket tables. Before the bundle is written (bundle-minimize.ts):
 *
 * - `stat` of a process other than the target and its ancestors keeps what the checks read of it: pid, comm,
 *   state, parent, group, session, terminal and its foreground group, start time and resident size (memory
 *   shares); every other field (CPU times, addresses, signal masks, ...) is zeroed;
 * - command lines beyond the target and its ancestors keep argv[0] only (a group mate's `--api-key=...` goes);
 * - another process's fd list keeps only the descriptors open on something the target has open too (its
 *   terminal, a pipe or socket it shares) and pty masters (/dev/ptmx: the terminal's holder); its cwd goes;
 * - the socket tables (/proc/net/tcp, udp, unix, ...) keep their header and the target's own sockets.
 */
import type { Bundle, Recorded } from './bundle';

const STAT = /^\/proc\/(\d+)\/stat$/;
const CMDLINE = /^\/proc\/(\d+)\/cmdline$/;
const FD_LINK = /^\/proc\/(\d+)\/fd\/(\d+)$/;
const FD_DIR = /^\/proc\/(\d+)\/fd$/;
const FDINFO = /^\/proc\/(\d+)\/fdinfo\/(\d+)$/;
const CWD = /^\/proc\/(\d+)\/cwd$/;
const NET_TABLE = /^\/proc\/(?:\d+\/|self\/)?net\/(tcp6?|udp6?|udplite6?|raw6?|unix)$/;

/** stat fields after `comm)` kept for other processes (0-based: state .. tpgid, start time, rss). */
const KEPT_STAT_FIELDS = new Set([0, 1, 2, 3, 4, 5, 19, 21]);

const str = (v: Recorded<string> | undefined): string | null => (typeof v === 'string' ? v : null);

function ppidOf(stat: string): number | null {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = Number(f[1]);
  return Number.isInteger(n) ? n : null;
}

/** The target and its ancestors, from the captured stat texts. */
function lineage(b: Bundle, pid: number | null): Set<number> {
  const out = new Set<number>();
  for (let p = pid; p !== null && p > 0 && !out.has(p);) {
    out.add(p);
    const st = str(b.texts[`/proc/${p}/stat`]);
    p = st === null ? null : ppidOf(st);
  }
  return out;
}

function reduceStat(stat: string): string {
  const close = stat.lastIndexOf(')');
  const head = stat.slice(0, close + 1);
  const fields = stat
    .slice(close + 2)
    .trimEnd()
    .split(' ');
  return `${head} ${fields.map((f, i) => (KEPT_STAT_FIELDS.has(i) ? f : '0')).join(' ')}\n`;
}

function reduceCmdline(cmdline: string): string {
  const nul = cmdline.indexOf('\0');
  return nul < 0 ? cmdline : cmdline.slice(0, nul + 1);
}

/** Socket table rows of the target's sockets only (the inode column), header kept. */
function reduceNetTable(table: string, kind: string, inodes: ReadonlySet<string>): string {
  const col = kind === 'unix' ? 6 : 9;
  const lines = table.split('\n');
  const rows = lines.slice(1).filter((l) => inodes.has(l.trim().split(/\s+/)[col] ?? ''));
  return [lines[0], ...rows, ''].join('\n');
}

export function minimizeProcesses(b: Bundle, pid: number | null): Bundle {
  const kept = lineage(b, pid);
  const texts = { ...b.texts };
  const links = { ...b.links };
  const dirs = { ...b.dirs };
  // What the target has open: another process's descriptor on the same object is part of its story.
  const shared = new Set<string>();
  for (const [k, v] of Object.entries(b.links)) {
    const m = FD_LINK.exec(k);
    if (m && Number(m[1]) === pid && typeof v === 'string') shared.add(v);
  }
  const socketInodes = new Set(
    [...shared].map((t) => /^socket:\[(\d+)\]$/.exec(t)?.[1]).filter((x) => x !== undefined),
  );
  const keepFd = (target: Recorded<string> | undefined): boolean =>
    typeof target === 'string' && (shared.has(target) || target === '/dev/ptmx');

  for (const [k, v] of Object.entries(b.texts)) {
    if (typeof v !== 'string') continue;
    const stat = STAT.exec(k);
    if (stat && !kept.has(Number(stat[1]))) texts[k] = reduceStat(v);
    const cmd = CMDLINE.exec(k);
    if (cmd && !kept.has(Number(cmd[1]))) texts[k] = reduceCmdline(v);
    const info = FDINFO.exec(k);
    if (info && Number(info[1]) !== pid && !keepFd(b.links[`/proc/${info[1]}/fd/${info[2]}`])) delete texts[k];
    const net = NET_TABLE.exec(k);
    if (net) texts[k] = reduceNetTable(v, net[1], socketInodes);
  }
  for (const [k, v] of Object.entries(b.links)) {
    const fd = FD_LINK.exec(k);
    if (fd && Number(fd[1]) !== pid && !keepFd(v)) delete links[k];
    const cwd = CWD.exec(k);
    if (cwd && !kept.has(Number(cwd[1]))) delete links[k];
  }
  for (const [k, v] of Object.entries(b.dirs)) {
    const m = FD_DIR.exec(k);
    if (!m || Number(m[1]) === pid || !Array.isArray(v)) continue;
    dirs[k] = v.filter((n) => `/proc/${m[1]}/fd/${n}` in links);
  }
  return { ...b, texts, links, dirs };
}
