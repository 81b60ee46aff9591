/**
 * A task's name as of a point in the trace stream. ftrace fills a line's prefix comm when the line is READ
 * (from its pid -> comm cache), so a sender that exec'd between sending and our read is named by its new
 * program (`bash -c 'kill -9 X; sleep 1'` reads as `sleep`). The recorder avoids this with its full process
 * table (fork + exec events and a /proc scan); a watch needs only the senders' names, and task/task_rename
 * (fired by exec and prctl(PR_SET_NAME), old and new name in the event) gives them without a table: read in
 * stream order, after a rename a task is its new name, and before the first rename seen it was the old one.
 */
import type { TaskRenameEvent } from './parse';

export class TaskNames {
  /** Name after the latest rename seen so far in the stream. */
  private readonly current = new Map<number, string>();
  /** Names handed out provisionally, to correct when the task's first rename shows its old name. */
  private readonly waiting = new Map<number, Array<(comm: string) => void>>();

  /**
   * The name of `tid` at this point of the stream. Known after a rename; otherwise `prefixComm` is returned
   * and `fix` is called later if the task's first rename says it had another name here.
   */
  nameAt(tid: number, prefixComm: string, fix: (comm: string) => void): string {
    const known = this.current.get(tid);
    if (known !== undefined) return known;
    const list = this.waiting.get(tid) ?? [];
    list.push(fix);
    this.waiting.set(tid, list);
    return prefixComm;
  }

  onRename(ev: TaskRenameEvent): void {
    const fixes = this.waiting.get(ev.pid);
    if (fixes) {
      this.waiting.delete(ev.pid);
      for (const fix of fixes) fix(ev.oldComm);
    }
    this.current.set(ev.pid, ev.newComm);
  }
}
