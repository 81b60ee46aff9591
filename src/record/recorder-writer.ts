/**
 * Batched appends to the record store: the recorder collects records between flushes and hands each batch
 * to the store's saveRecords() (one open/write/close per batch; same files, cap, rotation, modes and
 * torn-tail repair as a watcher's single record), counting what was written and how often it rotated.
 */
import { DEFAULT_CAP_BYTES, saveRecords } from '../source/records/store';
import { ensureStateDir } from '../source/records/state-dir';
import type { DeathRecord } from '../source/records/types';
import { Retention } from './retention';

export class RecordWriter {
  private batch: DeathRecord[] = [];
  written = 0;
  rotations = 0;

  constructor(
    private readonly dir: string,
    private readonly capBytes: number = DEFAULT_CAP_BYTES,
    /** What the store keeps (clean exits, argv): src/record/retention.ts. */
    readonly retention: Retention = new Retention(),
  ) {
    ensureStateDir(dir);
  }

  get pending(): number {
    return this.batch.length;
  }

  push(rec: DeathRecord): void {
    const kept = this.retention.keep(rec, Date.now());
    if (kept) this.batch.push(kept);
  }

  /** Write everything pending. Synchronous: it also runs from the SIGTERM path. */
  flush(): void {
    if (this.batch.length === 0) return;
    const recs = this.batch;
    // Taken first: a failed write is reported by the caller, not retried forever with a growing batch.
    this.batch = [];
    const res = saveRecords(recs, { dir: this.dir, capBytes: this.capBytes });
    if (res.rotated) this.rotations++;
    this.written += recs.length;
  }
}
