#!/usr/bin/env node
/**
 * whydied entry point. Keep this file and everything it imports at load time light: `whydied 1234`
 * should cost little more than starting node. Heavy modules (engine, checks, cli-table3) are loaded
 * by the command handlers.
 */
import { run } from './run';

void run(process.argv.slice(2));
