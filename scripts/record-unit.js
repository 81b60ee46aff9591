#!/usr/bin/env node
/**
 * Writes the recorder's unit for /usr/bin/whydied (what the Debian package installs and what
 * `/usr/bin/whydied record --print-unit` prints) from the one function that makes it (src/record/unit.ts):
 *   node scripts/record-unit.js [FILE]     (default deploy/whydied-record.service; `-` for stdout)
 * After `npm run build` (it reads dist/). test/cli/record-unit.test.ts checks the deploy/ copy is current.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const { renderUnit } = require(path.join(root, 'dist', 'src', 'record', 'unit.js'));
const text = renderUnit({ command: ['/usr/bin/whydied'] });
const out = process.argv[2] || path.join(root, 'deploy', 'whydied-record.service');
if (out === '-') process.stdout.write(text);
else fs.writeFileSync(out, text);
