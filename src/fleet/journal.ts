/**
 * journald's native protocol (one datagram per entry to /run/systemd/journal/socket): `KEY=VALUE\n` for a
 * value without newlines, `KEY\n` + 64-bit little-endian length + value + `\n` otherwise. Falls back to a
 * syslog line on /dev/log when the journal socket refuses. Building the payloads is pure; the datagrams are
 * sent by a small perl helper (Node has no AF_UNIX datagram sockets) fed framed payloads on its stdin: its
 * argv is fixed (the two socket paths the user chose), process data only ever travels in the frames.
 */
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import type { DeathEvent } from './death-event';
import { describeCause } from '../engine/describe-cause';
import { nameBytes } from '../util/name-bytes';
import { escapeControl } from '../util/escape';

/** Fixed: `journalctl MESSAGE_ID=...` finds every whydied death. */
export const MESSAGE_ID = '5f1c2a7e9b3d4c8a8e6f0d1b2c3a4e57';

/** syslog severities: err for crashes and OOM kills, warning for kills, notice for failed exits. */
function priorityOf(e: DeathEvent): number {
  if (
    e.cause.kind === 'oom-kill' ||
    e.cause.kind === 'segfault' ||
    e.cause.kind === 'trap' ||
    e.cause.mechanism === 'fault'
  )
    return 3;
  if (e.cause.kind === 'signal') return 4;
  if (e.cause.kind === 'exit' && e.cause.exitCode === 0) return 6;
  return 5;
}

// One escape for every output (src/util/escape.ts): C0, DEL, C1 as \xNN, every bidi control and line
// separator as \uNNNN (U+202E was written as the misleading `\x202e`, and U+061C passed raw).
const clean = escapeControl;

export function messageOf(e: DeathEvent): string {
  const who = `${clean(e.comm)} (pid ${e.pid})`;
  const c = e.cause;
  const details = { groupDirected: c.groupDirected, mechanism: c.mechanism };
  return `${who} ${clean(describeCause({ kind: c.kind, signal: c.signal, exitCode: c.exitCode, sender: c.sender, details }, e.pid))}`;
}

/** The journal entry of a death: MESSAGE_ID, PRIORITY and the WHYDIED_* fields (README, "Log pipelines"). */
export function journalFieldsOf(e: DeathEvent): Array<[string, string]> {
  const f: Array<[string, string]> = [
    ['MESSAGE', `whydied: ${messageOf(e)}`],
    ['MESSAGE_ID', MESSAGE_ID],
    ['PRIORITY', String(priorityOf(e))],
    ['SYSLOG_IDENTIFIER', 'whydied'],
    ['WHYDIED_SCHEMA', e.schema],
    ['WHYDIED_PID', String(e.pid)],
    ['WHYDIED_COMM', e.comm],
    ['WHYDIED_START_TIME', String(e.startTime)],
    ['WHYDIED_CAUSE', e.cause.kind],
    ['WHYDIED_TIME', e.time],
  ];
  if (e.cause.signal) f.push(['WHYDIED_SIGNAL', e.cause.signal]);
  if (e.cause.exitCode !== null) f.push(['WHYDIED_EXIT_CODE', String(e.cause.exitCode)]);
  if (e.cause.mechanism) f.push(['WHYDIED_MECHANISM', e.cause.mechanism]);
  if (e.cause.sender)
    f.push(['WHYDIED_SENDER_PID', String(e.cause.sender.pid)], ['WHYDIED_SENDER_COMM', e.cause.sender.comm]);
  if (e.cause.groupDirected !== null) f.push(['WHYDIED_GROUP_DIRECTED', e.cause.groupDirected ? '1' : '0']);
  if (e.cgroup) f.push(['WHYDIED_CGROUP', e.cgroup]);
  if (e.container?.id) f.push(['WHYDIED_CONTAINER_ID', e.container.id]);
  if (e.container) f.push(['WHYDIED_CONTAINER_RUNTIME', e.container.runtime]);
  if (e.container?.pod) f.push(['WHYDIED_POD_UID', e.container.pod.uid]);
  if (e.pidNamespace) f.push(['WHYDIED_PID_INSIDE', String(e.pidNamespace.pidInside)]);
  return f;
}

/** One native-protocol datagram. */
export function encodeNative(fields: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of fields) {
    // A name's bytes exactly (byte-safe strings, src/util/name-bytes.ts): journald fields are binary-safe.
    const val = nameBytes(v);
    if (!v.includes('\n')) parts.push(Buffer.from(`${k}=`), val, Buffer.from('\n'));
    else {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(val.length));
      parts.push(Buffer.from(`${k}\n`), len, val, Buffer.from('\n'));
    }
  }
  return Buffer.concat(parts);
}

/** RFC 3164 line for /dev/log: facility daemon (3). */
function encodeSyslog(e: DeathEvent, now = new Date()): Buffer {
  const pri = 3 * 8 + priorityOf(e);
  const mon = now.toUTCString().slice(8, 11);
  const ts = `${mon} ${String(now.getUTCDate()).padStart(2, ' ')} ${now.toISOString().slice(11, 19)}`;
  return Buffer.from(`<${pri}>${ts} whydied[${process.pid}]: ${messageOf(e)}`);
}

const HELPER = `
use strict; use Socket;
my ($j, $s) = @ARGV;
socket(my $fh, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\\n";
binmode STDIN; $| = 1;
while (1) {
  my $h; last unless read(STDIN, $h, 8) == 8;
  my ($a, $b) = unpack('NN', $h);
  my ($jd, $sd) = ('', '');
  last unless $a == 0 || read(STDIN, $jd, $a) == $a;
  last unless $b == 0 || read(STDIN, $sd, $b) == $b;
  if (defined send($fh, $jd, 0, pack_sockaddr_un($j))) { print "J\\n"; next; }
  my $e = $! + 0;
  if (defined send($fh, $sd, 0, pack_sockaddr_un($s))) { print "S\\n"; next; }
  print "E $e ", $! + 0, "\\n";
}
`;

export function perlPath(): string | null {
  for (const p of ['/usr/bin/perl', '/bin/perl', '/usr/local/bin/perl']) if (fs.existsSync(p)) return p;
  return null;
}

export interface JournalStats {
  journal: number;
  syslog: number;
  failed: number;
}

export class JournalSender {
  private helper: ChildProcess | null = null;
  private pending = 0;
  private waiters: Array<() => void> = [];
  readonly stats: JournalStats = { journal: 0, syslog: 0, failed: 0 };

  constructor(
    private readonly perl: string,
    private readonly journalSocket: string,
    private readonly syslogSocket: string,
    private readonly log: (line: string) => void,
  ) {}

  get pid(): number | undefined {
    return this.helper?.pid;
  }

  private start(): ChildProcess {
    const h = spawn(this.perl, ['-e', HELPER, this.journalSocket, this.syslogSocket], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {},
    });
    let buf = '';
    h.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'J') this.stats.journal++;
        else if (line === 'S') this.stats.syslog++;
        else {
          this.stats.failed++;
          if (this.stats.failed <= 3) this.log(`journal and syslog sockets both refused a death (${line})`);
        }
        this.pending--;
        if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
      }
    });
    h.on('exit', () => {
      this.helper = null;
      this.pending = 0;
      for (const w of this.waiters.splice(0)) w();
    });
    h.stdin?.on('error', () => undefined);
    return h;
  }

  send(e: DeathEvent): void {
    const j = encodeNative(journalFieldsOf(e));
    const s = encodeSyslog(e);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(j.length, 0);
    head.writeUInt32BE(s.length, 4);
    this.helper ??= this.start();
    this.pending++;
    this.helper.stdin?.write(Buffer.concat([head, j, s]));
  }

  /** Resolves when every entry sent so far has been acknowledged (or the helper is gone). */
  settled(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }

  endSync(): void {
    this.helper?.stdin?.end();
  }

  async close(): Promise<void> {
    const h = this.helper;
    if (!h) return;
    const timer = setTimeout(() => h.kill('SIGKILL'), 2000);
    await Promise.race([this.settled(), new Promise((r) => setTimeout(r, 2000))]);
    h.stdin?.end();
    await new Promise<void>((r) => (this.helper ? h.once('exit', () => r()) : r()));
    clearTimeout(timer);
  }
}
