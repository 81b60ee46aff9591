#!/usr/bin/env node
/**
 * whydied entry point. Keep this file and everything it imports at load time light: `whydied 1234`
 * should cost little more than starting node. The common command lines take the fast path (fast.ts);
 * the rest load yargs (run.ts). Heavy modules (engine, checks, cli-table3) are loaded by the handlers.
 */
import { runFast } from './fast';
import { releaseDeadTerminalAtExit } from './terminal-exit';

// A watch or recorder whose terminal was closed must still exit cleanly (after saving its record).
releaseDeadTerminalAtExit();
const args = process.argv.slice(2);
if (!runFast(args)) {
  void import('./run').then((m) => m.run(args));
}
