/**
 * The mechanism catalogue's vocabulary: every way a process is ended by something else (the kernel's own
 * mechanisms and the well-known tools'), each tied to its primary source, to what /proc shows before and
 * tracefs at the moment, to the survival rules that predict it, to the watch mechanism that names it, to
 * the remedy that escapes it and to the reality scenarios that make it happen. Plain data: the docs
 * (docs/mechanisms.md) are generated from it and tests hold every rule and watch mechanism to an entry.
 */
export interface Mechanism {
  /** Stable id, `<family>.<name>`: `kernel.tty-hangup`, `tool.supervisord`. */
  id: string;
  family: 'kernel' | 'tool';
  /** One line: what ends the process. */
  title: string;
  /** Primary sources read: kernel functions and files, the tool's own source or manual (with version). */
  sources: readonly string[];
  /** What /proc shows before the event (the evidence the model reads). */
  procShows: string;
  /** What tracefs (signal_generate, sched_process_exit, syscalls) shows at the moment. */
  traceShows: string;
  /** Survival rule codes that predict it (src/engine/survival). */
  rules: readonly string[];
  /** The watch mechanism id (DeathMechanism) that names it after the fact; null when watch cannot tell. */
  watch: string | null;
  /** The remedy that escapes it, in words (the command is the remedy table's). */
  remedy: string;
  /** Reality scenarios that make it happen (test names in test/reality), at least one. */
  scenarios: readonly string[];
}
