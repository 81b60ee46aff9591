/** /proc/PID/status parser (the fields whydied uses). */
import type { ProcStatus } from './types';

function fields(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    // First occurrence wins: Name comes first and is the one a hostile comm could try to spoof.
    if (!map.has(key)) map.set(key, line.slice(colon + 1).replace(/^\s+/, ''));
  }
  return map;
}

function int(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

function ints(value: string | undefined): number[] | null {
  if (value === undefined) return null;
  const parts = value
    .trim()
    .split(/\s+/)
    .filter((p) => p !== '');
  if (parts.length === 0 || !parts.every((p) => /^-?\d+$/.test(p))) return null;
  return parts.map(Number);
}

function mask(value: string | undefined): bigint | null {
  if (value === undefined || !/^[0-9a-fA-F]{1,32}$/.test(value.trim())) return null;
  return BigInt(`0x${value.trim()}`);
}

/**
 * Parse /proc/PID/status. The Name line is escaped by the kernel (`\n` -> `\\n`), so it is one line.
 * Null when a required field is missing or malformed; VmRSS (absent for kernel threads and zombies)
 * and Kthread (only on newer kernels) become null instead.
 */
export function parseStatus(text: string): ProcStatus | null {
  if (typeof text !== 'string') return null;
  const f = fields(text);
  const name = f.get('Name');
  const state = f.get('State');
  const tgid = int(f.get('Tgid'));
  const ppid = int(f.get('PPid'));
  const uid = ints(f.get('Uid'));
  const gid = ints(f.get('Gid'));
  const sigPnd = mask(f.get('SigPnd'));
  const shdPnd = mask(f.get('ShdPnd'));
  const sigBlk = mask(f.get('SigBlk'));
  const sigIgn = mask(f.get('SigIgn'));
  const sigCgt = mask(f.get('SigCgt'));
  if (name === undefined || state === undefined || tgid === null || ppid === null || uid === null || gid === null) {
    return null;
  }
  if (sigPnd === null || shdPnd === null || sigBlk === null || sigIgn === null || sigCgt === null) return null;
  const rss = /^(\d+)\s*kB$/.exec((f.get('VmRSS') ?? '').trim());
  const kthread = int(f.get('Kthread'));
  return {
    name,
    state: state.trim(),
    tgid,
    ppid,
    uid,
    gid,
    sigPnd,
    shdPnd,
    sigBlk,
    sigIgn,
    sigCgt,
    vmRssKb: rss ? Number(rss[1]) : null,
    nsPid: ints(f.get('NSpid')) ?? [tgid],
    kthread: kthread === null ? null : kthread === 1,
    tracerPid: int(f.get('TracerPid')) ?? 0,
  };
}
