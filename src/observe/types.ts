import type { Cause } from '../engine/types';
import type { Death, RecordIdentity } from '../source/death';

export type WatchBackend = 'tracefs' | 'ptrace' | 'poll';

export interface WatchOptions {
  /** One-line progress text (the CLI draws it in place on a TTY). */
  onStatus?: (line: string) => void;
  backend?: 'auto' | WatchBackend;
  /** Resolve with what is known when this elapses (tests, `--timeout`); default: wait forever. */
  timeoutMs?: number;
}

export interface WatchResult {
  pid: number;
  /** Identity read when the watch started (comm and argv as of its last exec seen); null when the pid was already gone. */
  identity: RecordIdentity | null;
  backend: WatchBackend;
  /**
   * The death seen (who, how, by whom, when): its cause is `exit` / `signal` / `oom-kill` with source
   * 'watch'; null when not established (gone, poll, timeout).
   */
  death: Death | null;
  /** Signals generated for the process while watched (fatal or not). */
  signalsSeen: number;
  /** ISO time the end was observed; null if it did not end (timeout) or was gone before. */
  endedAt: string | null;
  /** Why cause is null, in words: `already gone`, `zombie when the watch started`, `timed out`... */
  note?: string;
  /** Set when the auto backend had to fall back (e.g. tracefs unavailable). */
  fallbackReason?: string;
}

/** Per-pid outcome a backend produces; watch() adds identity and bookkeeping. */
export interface BackendOutcome {
  cause: Cause | null;
  signalsSeen: number;
  endedAt: string | null;
  note?: string;
  /** The backend could not watch this pid at all (e.g. ptrace attach refused): why, for a fallback. */
  attachFailed?: string;
}

export interface WatchedTarget {
  pid: number;
  /** Read when the watch started; a backend that sees the process exec updates comm and argv in place. */
  identity: RecordIdentity;
}

export interface BackendRun {
  /** Resolves per pid when it ended. */
  done: Promise<Map<number, BackendOutcome>>;
  /** Signals seen so far per pid (status line). */
  signalsSeen(pid: number): number;
  /** Stop now (timeout): outcome for pids not ended yet has cause null. */
  stop(): void;
}
