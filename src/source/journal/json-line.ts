/**
 * One line of `journalctl -o json`: an object of fields whose MESSAGE may be a string or, for non-UTF-8
 * text, an array of bytes. Shared by the journal search and by the kernel-log reader (`journalctl -k`).
 */
export type JournalJson = Record<string, unknown>;

/** A journal field as text: strings as they are, numbers printed, byte arrays decoded as UTF-8. */
export function journalText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  // journald stores non-UTF-8 values as byte arrays.
  if (Array.isArray(v) && v.every((b) => typeof b === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return null;
}

/** The line's fields and its MESSAGE, or null for anything that is not a journal entry with a message. */
export function parseJournalJson(line: string): { fields: JournalJson; message: string } | null {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const fields = obj as JournalJson;
  const message = journalText(fields.MESSAGE);
  return message === null ? null : { fields, message };
}
