/**
 * What each kind of remedy step does, in words: the table's Fix line (`fix`) and the verdict's sentence
 * (`verdict`, "...; <verdict> `command`"). The report carries each step's kind (remedySteps[], whydied.report/2
 * revision 2.2), so no renderer reads a command's text to guess what it does. Adding a kind is one entry here
 * plus the remedy that produces it (src/engine/remedy.ts).
 */
export interface RemedyKindInfo {
  /** The Fix line, before the command (ends with a colon). */
  readonly fix: string;
  /** The verdict's words before the command: "relaunch it with". */
  readonly verdict: string;
  /** A relaunch: the verdict says "from the host" when a container stop is the threat (events table). */
  readonly relaunch: boolean;
}

export const REMEDY_KINDS = {
  'relaunch-detached': {
    fix: 'relaunch it in a session of its own:',
    verdict: 'relaunch it with',
    relaunch: true,
  },
  'relaunch-ci-escape': {
    fix: "relaunch it without the CI runner's reaping marker, in a session of its own:",
    verdict: 'relaunch it with',
    relaunch: true,
  },
  'system-service': {
    fix: 'run it as a transient systemd service, outside any login session:',
    verdict: 'relaunch it with',
    relaunch: true,
  },
  'user-service': {
    fix: 'let the user linger and run it as a user service, outside the login session:',
    verdict: 'relaunch it with',
    relaunch: true,
  },
  linger: {
    fix: 'let the user linger, so the user manager and its units outlive the last logout:',
    verdict: 'keep its user manager past logout with',
    relaunch: false,
  },
  'tmux-session': { fix: 'run it in a detached tmux session:', verdict: 'relaunch it with', relaunch: true },
  'raise-limit': {
    fix: 'raise the resource limit of the running process:',
    verdict: 'raise its limit with',
    relaunch: false,
  },
  'memory-limit': { fix: 'raise its memory cgroup limit:', verdict: 'raise its memory limit with', relaunch: false },
  'container-restart': {
    fix: "on the container's host, give the container a restart policy:",
    verdict: "on the container's host, let the container's restart policy bring it back with",
    relaunch: false,
  },
  supervisor: {
    fix: 'keep it under its supervisor, whose own config brings it back:',
    verdict: 'keep it under its supervisor, which its own config brings back, with',
    relaunch: false,
  },
} as const satisfies Record<string, RemedyKindInfo>;

/** What a remedy command does: the verdict and the renderers word it by this, never by the command's text. */
export type RemedyKind = keyof typeof REMEDY_KINDS;

export interface RemedyStep {
  kind: RemedyKind;
  /** A complete shell command, quoted, safe to paste. */
  command: string;
}

/** The kind's words; null for a kind from a newer report than this build knows. */
export const remedyKindInfo = (kind: string): RemedyKindInfo | null =>
  Object.prototype.hasOwnProperty.call(REMEDY_KINDS, kind) ? REMEDY_KINDS[kind as RemedyKind] : null;
