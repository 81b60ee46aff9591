#!/usr/bin/env node
// Makes the compiled CLI entry executable: npm links bin files as they are,
// and tsc does not preserve the mode of its outputs.
'use strict';
const fs = require('fs');
const path = require('path');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (fs.existsSync(entry)) fs.chmodSync(entry, 0o755);

// The man page, generated from the command definitions (src/cli/docs.ts) so it matches --help.
const docs = path.join(__dirname, '..', 'dist', 'src', 'cli', 'docs.js');
if (fs.existsSync(docs)) {
  const { manPage } = require(docs);
  const { COMMANDS } = require(path.join(__dirname, '..', 'dist', 'src', 'cli', 'commands', 'index.js'));
  const pkg = require(path.join(__dirname, '..', 'package.json'));
  const dir = path.join(__dirname, '..', 'dist', 'man');
  fs.mkdirSync(dir, { recursive: true });
  // SOURCE_DATE_EPOCH keeps the build reproducible; otherwise the date of the build.
  const when = process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000) : new Date();
  fs.writeFileSync(path.join(dir, 'whydied.1'), manPage(COMMANDS, pkg.version, when.toISOString().slice(0, 10)));
}
