/**
 * Times for people: local wall clock to the second, and how long ago, measured against the report's
 * own generatedAt (so a replayed bundle says "3 min ago" relative to its capture, and output is pure).
 */
const pad = (n: number): string => String(n).padStart(2, '0');

/** Matches the ISO 8601 times reports carry (`2026-11-22T07:40:18.930Z`, with or without ms/offset). */
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})\b/g;

export function ago(ms: number, nowMs: number): string {
  const s = Math.round((nowMs - ms) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 6) / 10;
  if (h < 48) return `${h >= 10 ? Math.round(h) : h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

function zone(d: Date): string {
  const off = -d.getTimezoneOffset();
  if (off === 0) return ' UTC';
  const a = Math.abs(off);
  return ` ${off > 0 ? '+' : '-'}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/** `07:40:18 UTC (3 min ago)` on the day of `now`, else `2026-11-21 19:36:03 UTC (12 h ago)`. */
export function humanTime(iso: string, nowIso: string): string {
  const t = Date.parse(iso);
  const now = Date.parse(nowIso);
  if (!Number.isFinite(t)) return iso;
  const d = new Date(t);
  const n = Number.isFinite(now) ? new Date(now) : null;
  const sameDay =
    n !== null && n.getFullYear() === d.getFullYear() && n.getMonth() === d.getMonth() && n.getDate() === d.getDate();
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const day = sameDay ? '' : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `;
  return `${day}${clock}${zone(d)}${n !== null ? ` (${ago(t, now)})` : ''}`;
}

/** Every ISO time inside a sentence (check summaries carry them) made readable the same way. */
export function humanizeTimes(text: string, nowIso: string): string {
  return text.replace(ISO_TIME, (m) => humanTime(m, nowIso));
}
