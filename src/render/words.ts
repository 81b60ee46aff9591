/** Words shared by the table's report and its list of matches: the engine's own, so both say the same. */
export { eventWords, joinWords } from '../engine/words';
