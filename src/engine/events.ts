/**
 * The survival events: one table, in matrix order (risks[] keeps this order; part of the JSON contract).
 * Everything that names the events reads it: the RiskEvent type, the rule table (src/engine/survival/
 * index.ts flattens the entries' rules), the verdict's and the renderers' words, docs/survival-rules.md,
 * the man page, and the schema's enum (test/engine/events-table.test.ts holds schema/report.schema.json to
 * it). Each entry carries its rules (src/engine/survival/<event>.ts): adding an event is its entry here and
 * its rules file. The rules import only the rule vocabulary (survival/types.ts, rule-words.ts), never the
 * report types derived from this table, so RiskEvent derives from it without a cycle.
 */
import type { SurvivalRule } from './survival/types';
import { terminalHangupRules } from './survival/terminal-hangup';
import { parentExitRules } from './survival/parent-exit';
import { groupKillRules } from './survival/group-kill';
import { sessionEndRules } from './survival/session-end';
import { ciCleanupRules } from './survival/ci-cleanup';
import { containerStopRules } from './survival/container-stop';
import { memoryPressureRules } from './survival/memory-pressure';
import { resourceLimitRules } from './survival/resource-limit';

export interface EventInfo {
  /** Stable id (risks[].event). */
  readonly id: string;
  /** In a sentence: "dies at <words>". */
  readonly words: string;
  /** The heading in docs/survival-rules.md. */
  readonly title: string;
  /** A relaunch in a unit or a session of its own escapes it (the remedy's first command is a relaunch). */
  readonly relaunch: boolean;
  /**
   * A relaunch from inside does not escape it (it stays in the container): only the container's restart
   * policy or a relaunch from the host does; the verdict says "from the host".
   */
  readonly relaunchFromHost?: boolean;
  /** setsid and tmux stay in the login session's scope: only a unit outside it escapes (or lingering). */
  readonly relaunchLeavesSession?: boolean;
  /** The relaunch must drop the CI runner's reaping marker (its own escape); tmux would inherit it. */
  readonly relaunchDropsCiMarkers?: boolean;
  /** No relaunch escapes it; raising its memory limit does. */
  readonly raiseMemoryLimit?: boolean;
  /** A relaunch inherits the same limit; raising its resource limit (prlimit --pid) does. */
  readonly raiseResourceLimit?: boolean;
  /**
   * Its survival rules in the order they are tried (src/engine/survival/): the first that applies decides
   * the row; the last always applies once its evidence was read.
   */
  readonly rules: readonly SurvivalRule[];
}

/** The boolean traits of an event, for the remedy's "is any event with this trait threatened". */
export type EventTrait =
  'relaunchFromHost' | 'relaunchLeavesSession' | 'relaunchDropsCiMarkers' | 'raiseMemoryLimit' | 'raiseResourceLimit';

export const EVENT_INFO = [
  {
    id: 'terminal-hangup',
    words: 'a terminal hangup',
    title: 'the terminal goes away (SSH connection dropped, window closed)',
    relaunch: true,
    rules: terminalHangupRules,
  },
  {
    id: 'parent-exit',
    words: 'its parent exiting',
    title: 'the shell or launcher that started it exits',
    relaunch: true,
    rules: parentExitRules,
  },
  {
    id: 'group-kill',
    words: 'a kill of its process group',
    title: "its launcher's process group is killed (kill -- -PGID)",
    relaunch: true,
    rules: groupKillRules,
  },
  {
    id: 'session-end',
    words: 'the login session ending',
    title: 'the login session ends (logind)',
    relaunch: true,
    relaunchLeavesSession: true,
    rules: sessionEndRules,
  },
  {
    id: 'ci-cleanup',
    words: 'CI cleanup',
    title: 'the CI job ends and its runner cleans up',
    relaunch: true,
    relaunchDropsCiMarkers: true,
    rules: ciCleanupRules,
  },
  {
    id: 'container-stop',
    words: 'its container stopping',
    title: 'its container or PID namespace stops',
    relaunch: true,
    relaunchFromHost: true,
    rules: containerStopRules,
  },
  {
    id: 'memory-pressure',
    words: 'memory pressure',
    title: 'its memory cgroup (or the host) runs out',
    relaunch: false,
    raiseMemoryLimit: true,
    rules: memoryPressureRules,
  },
  {
    // Appended last (whydied.report/2 revision 2.3): risks[] keeps the earlier events' order.
    id: 'resource-limit',
    words: 'reaching its resource limit',
    title: 'it reaches a resource limit the kernel enforces with a signal (RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_RTTIME)',
    relaunch: false,
    raiseResourceLimit: true,
    rules: resourceLimitRules,
  },
] as const satisfies readonly EventInfo[];

export type RiskEvent = (typeof EVENT_INFO)[number]['id'];

const BY_ID: ReadonlyMap<string, EventInfo> = new Map(EVENT_INFO.map((e) => [e.id, e]));

/** The event's descriptor; null for an id from a newer report than this build knows. */
export const eventInfo = (id: string): EventInfo | null => BY_ID.get(id) ?? null;
