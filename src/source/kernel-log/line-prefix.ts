/**
 * One tolerant reader for whatever a saver put in front of a kernel message. Real logs arrive as:
 *
 * - `dmesg` / `dmesg --raw` / `/proc/kmsg`: `[ 12.345678] msg`, `<4>[ 12.3] msg`, `[  240.] msg`;
 * - `dmesg -x`: `kern  :info  : [ 12.3] msg`; `dmesg -T` / `-xT`: `[Thu May 14 23:17:24 2020] msg` in the
 *   saving user's locale (`[lun may  5 18:11:41 2025]`); `dmesg --time-format iso`:
 *   `2024-04-29T14:55:41,678628+02:00 msg`;
 * - syslog (rsyslog `kern.log`, `/var/log/messages`, busybox syslogd): `May 15 23:09:30 host kernel: [ 518.05] msg`,
 *   with or without the host, the year (`Nov 29 2019 01:00:04`), the printk stamp, or RFC 3339 stamps
 *   (`2026-05-28T12:21:57.303295+00:00 host kernel: msg`);
 * - journalctl: `-o short` (`Mär 07 21:43:54 host kernel: msg`, month in the user's locale), `short-precise`,
 *   `short-iso`, `short-monotonic` (`[ 3318.829119] host kernel: msg`), `short-full` and `with-unit`
 *   (`Sat 2026-12-05 23:51:05 UTC host kernel: msg`), `short-unix` (`1796514665.878797 host kernel: msg`),
 *   `--no-hostname` (`kernel: msg`);
 * - OpenWrt `logread`: `Sat Jan 25 09:40:15 2020 kern.err kernel: [22043.04] msg`;
 * - `talosctl dmesg`: `172.16.1.110: kern:    info: [2024-07-16T19:11:51.02320134Z]: msg`;
 * - Android `logcat -v threadtime`: `10-24 14:24:26.342   710   710 I lowmemorykiller: msg`;
 * - consoles and copies: `cat -n` line numbers, markdown `> ` quotes, a cut-off `kernel: ` with no date,
 *   s390 Hercules consoles (`17:14:54     13.827137! msg`).
 *
 * Each piece is consumed in turn from the start of the line; what is left is the message. Pure, never throws.
 */
import { monthOf, monthOfCtime } from './locale-names';

export interface WallTime {
  /** Null when the stamp has no year (BSD syslog, journalctl -o short, logcat). */
  year: number | null;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Offset from UTC in minutes when the stamp carries one (ISO 8601); null: the saving machine's local time. */
  zoneMin: number | null;
  /** Set when the stamp had no year and it was inferred (wall-time.ts): from an audit epoch or the file's mtime. */
  yearFrom?: 'audit' | 'mtime';
}

/** Where a line says it came from. */
export type LineOrigin = 'kernel' | 'other' | 'unknown';

export interface LinePrefix {
  message: string;
  /** printk's stamp: seconds since boot. */
  uptimeSec: number | null;
  wall: WallTime | null;
  priority: number | null;
  /** `kernel` (a kernel tag or a dmesg stamp), `other` (another program's syslog tag), `unknown` (bare text). */
  origin: LineOrigin;
  /** The syslog/logcat tag without its pid (`kernel`, `audit`, `lowmemorykiller`), when there was one. */
  tag: string | null;
  /** A stamp was recognised as a stamp but its date could not be read (unknown month words). */
  unreadableStamp: boolean;
}

/** syslog level words (util-linux dmesg -x and dmesg -J, OpenWrt logread) as numbers. */
export const LEVELS: Readonly<Record<string, number>> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warn: 4,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};
const FACILITIES = 'kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7]';
const EN_DAYS = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const EN_MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';

const y = (src: string): RegExp => new RegExp(src, 'y');

const QUOTE = y('> ?');
// A markdown code fence or inline-code backtick glued to the first line of a paste ("```[Sun Mar 30 ...",
// "`kernel: traps: ..."): never part of a kernel message's start.
const BACKTICKS = y('`{1,3}(?=[[<]|kernel:|\\d|[^\\s`]{2,12} )');
// Lines pasted indented (markdown code blocks, mail quotes): only when a stamp or tag follows.
// syslogd's wall broadcast indents the tag (" kernel:[26077.43] msg"); journal text split at a KERN_CONT keeps
// its indent ("    traps: chrome[2979] trap ...").
const INDENT = y('[ \\t]+(?=[[<]|kernel:|traps: |\\d{4}-\\d\\d-|[A-Z][a-z]{2} )');
const LINE_NUMBER = y(' *\\d+\\s+(?=[[<])');
const PRIORITY = y('<(\\d{1,3})>');
// util-linux dmesg -x: "kern  :info  : ".
const DMESG_X = y(`(?:${FACILITIES}) *:(emerg|alert|crit|err|warn|notice|info|debug) *: ?`);
// printk's stamp; "[  240.]" (fraction cut) too.
const UPTIME = y('\\[ *(\\d{1,10})\\.(\\d{0,9})\\] ?');
// s390 Hercules console: "17:14:54     13.827137! ".
const HERCULES = y('\\d\\d:\\d\\d:\\d\\d +(\\d{1,10})\\.(\\d{6})! ?');
// dmesg -T: "[<weekday> <month> <day> HH:MM:SS YYYY]", words in any locale (may hold spaces: " 3月").
const CTIME_BRACKET = y('\\[([^\\]\\d]{2,40}?) *(\\d{1,2}) (\\d\\d):(\\d\\d):(\\d\\d) (\\d{4})\\] ?');
// dmesg --time-format iso ("," before the fraction) and RFC 3339 / journalctl short-iso ("." or none).
const ISO = y('(\\d{4})-(\\d\\d)-(\\d\\d)[T ](\\d\\d):(\\d\\d):(\\d\\d)(?:([.,])(\\d{1,9}))?(Z|[+-]\\d\\d:?\\d\\d)? +');
// journalctl -o short-full / with-unit: "Sat 2026-12-05 23:51:05 UTC " (weekday in the user's locale).
const SHORT_FULL = y(
  '[^\\s\\d]{2,12} (\\d{4})-(\\d\\d)-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d)(?:\\.(\\d{1,9}))? ([A-Za-z]{1,6}|[+-]\\d\\d:?\\d\\d) +',
);
// journalctl -o short-unix: seconds since the epoch, "1796514665.878797 ".
const EPOCH = y('(\\d{9,11})\\.(\\d{1,9}) +(?=\\S+ \\S)');
// OpenWrt logread / C-locale ctime without brackets: "Sat Jan 25 09:40:15 2020 ".
const CTIME_BARE = y(`(?:${EN_DAYS}) (${EN_MONTHS}) +(\\d{1,2}) (\\d\\d):(\\d\\d):(\\d\\d) (\\d{4}) +`);
// talosctl dmesg (siderolabs/talos cmd/talosctl/cmd/talos/dmesg.go): "NODE: FACILITY: LEVEL: [RFC 3339 nano]: msg",
// facility and level right-aligned ("172.16.1.110: kern:    info: [2024-07-16T19:11:51.02320134Z]: ").
const TALOS = y(
  `(?:[^\\s:]{1,255}: )?(?:${FACILITIES}): +(emerg|alert|crit|err|warn|warning|notice|info|debug): \\[(\\d{4})-(\\d\\d)-(\\d\\d)T(\\d\\d):(\\d\\d):(\\d\\d)(?:\\.(\\d{1,9}))?(Z|[+-]\\d\\d:\\d\\d)\\]: `,
);
const LOGREAD_FACILITY = y(`(?:${FACILITIES})\\.(emerg|alert|crit|err|warn|warning|notice|info|debug) +`);
// BSD syslog / journalctl short(-precise): "May  8 14:05:27 ", "Nov 29 2019 01:00:04 ", month in any locale.
const SYSLOG = y('([^\\s\\d:[\\]<>]{2,12}) +(\\d{1,2}) (?:(\\d{4}) )?(\\d\\d):(\\d\\d):(\\d\\d)(?:\\.(\\d{1,9}))? +');
// Android logcat -v threadtime: "10-24 14:24:26.342   710   710 I tag: ".
const LOGCAT = y('(\\d\\d)-(\\d\\d) (\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3}) +\\d+ +\\d+ ([VDIWEFA]) ([^:]{1,64}?) *: ');
// After a syslog stamp: "host tag[pid]: " or a bare "kernel: " (journalctl --no-hostname, busybox).
const HOST_TAG = y('(?:(?:[^\\s:]+) ([A-Za-z_][\\w.\\-/]{0,63})(\\[\\d+\\])?|(kernel)): ');
// After a printk stamp (journalctl -o short-monotonic): only the kernel's own tag, with or without a host;
// anything else ("systemd[1]: segfault at") is the message itself.
const KERNEL_TAG = y('(?:[^\\s:]+ )?kernel: ');
// A date cut off, the host kept ("shiny kernel: [85028.86] caja[26816]: segfault"); syslogd's wall line has
// no space before the stamp (" kernel:[26077.432637] Process ...").
const BARE_KERNEL = y('(?:[^\\s:[\\]<>`]{1,64} )?kernel:(?: |(?=\\[))');

/** Tags whose lines come from the kernel (audit records pass through journald/auditd as `audit`). */
const KERNEL_TAGS = new Set(['kernel', 'audit', 'lowmemorykiller', 'lmkd']);
/**
 * User-space programs whose lines say a process died or was killed (parse-userspace.ts reads them, and only
 * them, from such a line): systemd-coredump, the earlyoom and systemd-oomd killers, upstart (`init`).
 */
export const KILLER_TAGS: ReadonlySet<string> = new Set(['systemd-coredump', 'earlyoom', 'systemd-oomd', 'init']);

const frac = (digits: string | undefined, scale: number): number =>
  digits === undefined || digits === '' ? 0 : Math.floor(Number(digits.padEnd(9, '0').slice(0, 9)) / scale);

function zoneMinutes(z: string | undefined): number | null {
  if (z === undefined) return null;
  if (z === 'Z') return 0;
  const m = /^([+-])(\d\d):?(\d\d)$/.exec(z);
  if (!m) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function wallOf(
  year: number | null,
  month: number,
  day: number,
  h: string,
  mi: string,
  s: string,
  ms: number,
  zone: number | null,
): WallTime | null {
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  return { year, month, day, hour, minute, second, ms, zoneMin: zone };
}

/** Read the prefix of one line. */
export function readLinePrefix(line: string): LinePrefix {
  const out: LinePrefix = {
    message: line,
    uptimeSec: null,
    wall: null,
    priority: null,
    origin: 'unknown',
    tag: null,
    unreadableStamp: false,
  };
  let at = 0;
  let stamped = false;
  let syslogStamp = false;
  const take = (re: RegExp): RegExpExecArray | null => {
    re.lastIndex = at;
    const m = re.exec(line);
    if (m) at = re.lastIndex;
    return m;
  };
  for (let step = 0; step < 10; step++) {
    const before = at;
    let m: RegExpExecArray | null;
    if (at === 0 && (take(QUOTE) || take(INDENT) || take(BACKTICKS))) continue;
    if (!stamped && take(LINE_NUMBER)) continue;
    if ((m = take(PRIORITY))) {
      out.priority = Number(m[1]) & 7;
      out.origin = 'kernel';
      continue;
    }
    if ((m = take(DMESG_X))) {
      out.priority = LEVELS[m[1]] ?? null;
      out.origin = 'kernel';
      continue;
    }
    if (out.uptimeSec === null && ((m = take(UPTIME)) || (m = take(HERCULES)))) {
      out.uptimeSec = Number(m[1]) + frac(m[2], 1) / 1e9;
      if (out.origin === 'unknown') out.origin = 'kernel';
      stamped = true;
      if (take(KERNEL_TAG)) out.tag = 'kernel';
      continue;
    }
    if (out.wall === null && !out.unreadableStamp) {
      if (!stamped && at === 0 && (m = take(TALOS))) {
        out.priority = LEVELS[m[1]] ?? null;
        out.wall = wallOf(
          Number(m[2]),
          Number(m[3]),
          Number(m[4]),
          m[5],
          m[6],
          m[7],
          frac(m[8], 1e6),
          zoneMinutes(m[9]),
        );
        out.origin = 'kernel';
        stamped = true;
        continue;
      }
      if ((m = take(CTIME_BRACKET))) {
        const day = Number(m[2]);
        const year = Number(m[6]);
        const month = monthOfCtime(m[1], day, year);
        if (month === null) out.unreadableStamp = true;
        else out.wall = wallOf(year, month, day, m[3], m[4], m[5], 0, null);
        if (out.origin === 'unknown') out.origin = 'kernel';
        stamped = true;
        continue;
      }
      if ((m = take(ISO))) {
        out.wall = wallOf(
          Number(m[1]),
          Number(m[2]),
          Number(m[3]),
          m[4],
          m[5],
          m[6],
          frac(m[8], 1e6),
          zoneMinutes(m[9]),
        );
        stamped = true;
        // dmesg --time-format iso writes "," before the fraction and no tag; syslog writers a "." and a tag.
        if (m[7] === ',') {
          if (out.origin === 'unknown') out.origin = 'kernel';
        } else syslogStamp = true;
        continue;
      }
      if ((m = take(SHORT_FULL))) {
        const zone = /^(UTC|GMT|Z)$/.test(m[8]) ? 0 : zoneMinutes(m[8]);
        out.wall = wallOf(Number(m[1]), Number(m[2]), Number(m[3]), m[4], m[5], m[6], frac(m[7], 1e6), zone);
        stamped = true;
        syslogStamp = true;
        continue;
      }
      if (!stamped && at === 0 && (m = take(EPOCH))) {
        const d = new Date(Number(m[1]) * 1000);
        out.wall = wallOf(
          d.getUTCFullYear(),
          d.getUTCMonth() + 1,
          d.getUTCDate(),
          String(d.getUTCHours()),
          String(d.getUTCMinutes()),
          String(d.getUTCSeconds()),
          frac(m[2], 1e6),
          0,
        );
        stamped = true;
        syslogStamp = true;
        continue;
      }
      if ((m = take(CTIME_BARE))) {
        out.wall = wallOf(Number(m[6]), monthOf(m[1]) ?? 0, Number(m[2]), m[3], m[4], m[5], 0, null);
        stamped = true;
        syslogStamp = true;
        const f = take(LOGREAD_FACILITY);
        if (f) out.priority = LEVELS[f[1]] ?? null;
        continue;
      }
      if ((m = take(LOGCAT))) {
        out.wall = wallOf(null, Number(m[1]), Number(m[2]), m[3], m[4], m[5], Number(m[6]), null);
        out.tag = m[8].trim();
        out.origin = KERNEL_TAGS.has(out.tag) ? 'kernel' : 'other';
        stamped = true;
        continue;
      }
      if (!stamped && (m = take(SYSLOG))) {
        const month = monthOf(m[1]);
        if (month === null) {
          // Not a month in any language: this was not a stamp after all.
          at = before;
        } else {
          out.wall = wallOf(
            m[3] === undefined ? null : Number(m[3]),
            month,
            Number(m[2]),
            m[4],
            m[5],
            m[6],
            frac(m[7], 1e6),
            null,
          );
          stamped = true;
          syslogStamp = true;
          continue;
        }
      }
    }
    if (syslogStamp && out.tag === null && (m = take(HOST_TAG))) {
      out.tag = m[3] ?? m[1];
      out.origin = KERNEL_TAGS.has(out.tag) ? 'kernel' : 'other';
      continue;
    }
    // A line whose date and host were cut off: "kernel: traps: node[9573] trap invalid opcode ...".
    if (!stamped && out.tag === null && take(BARE_KERNEL)) {
      out.tag = 'kernel';
      out.origin = 'kernel';
      continue;
    }
    if (at === before) break;
  }
  out.message = line.slice(at);
  return out;
}
