/**
 * Batched appends to the record store. The store's saveRecord() opens, stats and closes the file per
 * record, which is right for a watcher's one record and too slow for thousands per second; this writes a
 * whole batch with one open/write/close, with the same files, the same cap + rotation rule, mode 0600,
 * O_APPEND (watchers append to the same file concurrently) and the same torn-tail repair.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CAP_BYTES, RECORDS_FILE, ROTATED_FILE } from './store';
import { ensureStateDir } from './state-dir';

export class RecordWriter {
  private lines: string[] = [];
  private bytes = 0;
  written = 0;
  rotations = 0;

  constructor(
    private readonly dir: string,
    private readonly capBytes: number = DEFAULT_CAP_BYTES,
  ) {
    ensureStateDir(dir);
  }

  get pending(): number {
    return this.lines.length;
  }

  push(rec: object): void {
    const line = JSON.stringify(rec) + '\n';
    this.lines.push(line);
    this.bytes += line.length;
  }

  /** Write everything pending. Synchronous: it also runs from the SIGTERM path. */
  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    const count = this.lines.length;
    this.lines = [];
    this.bytes = 0;
    const file = path.join(this.dir, RECORDS_FILE);
    let size = 0;
    try {
      size = fs.statSync(file).size;
    } catch {
      /* no file yet */
    }
    const len = Buffer.byteLength(text);
    if (size > 0 && size + len > this.capBytes) {
      fs.renameSync(file, path.join(this.dir, ROTATED_FILE));
      this.rotations++;
    }
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    try {
      const end = fs.fstatSync(fd).size;
      const last = Buffer.alloc(1);
      const torn = end > 0 && fs.readSync(fd, last, 0, 1, end - 1) === 1 && last[0] !== 0x0a;
      fs.writeSync(fd, torn ? '\n' + text : text);
    } finally {
      fs.closeSync(fd);
    }
    this.written += count;
  }

  /** Bytes waiting: the caller flushes early when a batch grows large. */
  get pendingBytes(): number {
    return this.bytes;
  }
}
