/**
 * Capture support: read, through Facts, everything a diagnosis of `pid` may need, so the live
 * source's recording (and so the bundle) holds it. The diagnosis itself runs afterwards and records
 * whatever else its checks read.
 */
import * as fs from 'fs';
import * as path from 'path';
import psTree from 'ps-tree';
import type { Facts, ProcStat } from './types';

/** ps-tree spawns `ps` without an error listener: a missing binary would crash the process, so look first. */
function hasPs(): boolean {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '') continue;
    try {
      fs.accessSync(path.join(dir, 'ps'), fs.constants.X_OK);
      return true;
    } catch {
      /* not here */
    }
  }
  return false;
}

const PS_TIMEOUT_MS = 5000;

/** Descendants as `ps` sees them (ps-tree); empty when ps is unavailable, fails or hangs. */
function psDescendants(pid: number): Promise<number[]> {
  if (!hasPs()) return Promise.resolve([]);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), PS_TIMEOUT_MS);
    const done = (pids: number[]): void => {
      clearTimeout(timer);
      resolve(pids);
    };
    try {
      psTree(pid, (err, children) => {
        if (err) return done([]);
        done(children.map((c) => Number(c.PID)).filter((n) => Number.isInteger(n) && n > 0));
      });
    } catch {
      done([]);
    }
  });
}

function ancestors(facts: Facts, pid: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  let cur = pid;
  while (cur > 0 && !seen.has(cur)) {
    seen.add(cur);
    out.push(cur);
    const s = facts.stat(cur);
    if (!s.ok) break;
    cur = s.value.ppid;
  }
  return out;
}

function readProcess(facts: Facts, pid: number): void {
  if (!facts.process(pid)) return;
  facts.fds(pid);
  facts.fds(pid, true);
  facts.cgroups(pid);
  facts.oomScore(pid);
}

export async function prefetchForCapture(facts: Facts, pid: number): Promise<void> {
  facts.host();
  facts.tcpListeners();
  const table = facts.processTable();
  const wanted = new Set<number>(ancestors(facts, pid));

  const target = facts.stat(pid);
  if (target.ok) {
    const t: ProcStat = target.value;
    for (const s of table) {
      if (s.pgrp === t.pgrp || s.session === t.session) wanted.add(s.pid);
      // The terminal holder: the session leader whose controlling terminal is the target's.
      if (t.ttyNr !== 0 && s.ttyNr === t.ttyNr && s.pid === s.session) {
        for (const a of ancestors(facts, s.pid)) wanted.add(a);
      }
    }
    for (const a of ancestors(facts, t.session)) wanted.add(a);
    for (const a of ancestors(facts, t.pgrp)) wanted.add(a);
  }

  for (const d of facts.descendants(pid)) wanted.add(d);
  for (const d of await psDescendants(pid)) wanted.add(d);

  for (const p of wanted) readProcess(facts, p);
  facts.memoryCgroup(pid);

  // stdio pipes and sockets: who is on the other end (this scans every process's fds once).
  const std = facts.fds(pid);
  if (std.ok) {
    for (const f of std.value) {
      if (f.inode === undefined) continue;
      if (f.kind === 'pipe') for (const h of facts.pipeHolders(f.inode)) readProcess(facts, h.pid);
      if (f.kind === 'socket') for (const h of facts.socketHolders(f.inode)) readProcess(facts, h);
    }
  }
}
