/** The process a diagnosis is about, as the query resolved it. */
export interface CheckTarget {
  /** What the user typed (`1234`, `:8080`, `nginx`). */
  query: string;
  pid: number;
  /** Identity observed when the target was resolved, if it was alive then. */
  startTime: number | null;
  /** Name hint (from a name query or a record) for postmortem searches. */
  name: string | null;
}
