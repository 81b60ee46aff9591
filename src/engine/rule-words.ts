/**
 * The words a survival rule decides in, and the process it reads: part of the report (re-exported by
 * engine/types) and of the rule type (engine/survival/types). A leaf: the events table (events.ts) carries
 * each event's rules, so what the rules import must not lead back to it.
 */
export type RiskOutcome = 'dies' | 'survives' | 'unknown';
/**
 * How sure the outcome is, should the event happen: `certain` when a kernel mechanism visible in /proc
 * decides it, `likely` when it rests on how the launching tool or the program usually behaves,
 * `possible` for an undecided outcome that may still go either way.
 */
export type RiskConfidence = 'certain' | 'likely' | 'possible';

/** Who brings about the death a risk row names, when that is not a threat (see Risk.by). */
export type RiskBy = 'keeper';

export interface ReportProcess {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  tty: string | null;
  tpgid: number;
  comm: string;
  argv: string[] | null;
  exe: string | null;
  cwd: string | null;
  uid: number | null;
  /** ISO 8601. */
  startTime: string;
  state: string;
}
