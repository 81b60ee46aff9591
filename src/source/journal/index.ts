/** Postmortem evidence from the systemd journal. */
export { parseJournal, journalEvent } from './parse';
export type { JournalEntry, JournalEvent } from './parse';
export { searchJournal } from './read';
export type { JournalSearch } from './read';
