#!/usr/bin/env node
// Rewrites docs/mechanisms.md from the built mechanism catalogue (run `npm run build` first): what
// `whydied checks --mechanisms` prints.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const text = execFileSync(process.execPath, [path.join(root, 'dist/whydied.js'), 'checks', '--mechanisms'], {
  encoding: 'utf8',
});
fs.writeFileSync(path.join(root, 'docs/mechanisms.md'), text);
console.log('docs/mechanisms.md written');
