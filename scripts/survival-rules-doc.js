#!/usr/bin/env node
// Rewrites docs/survival-rules.md from the built rule table (run `npm run build` first): what
// `whydied checks --rules` prints.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const text = execFileSync(process.execPath, [path.join(root, 'dist/whydied.js'), 'checks', '--rules'], {
  encoding: 'utf8',
});
fs.writeFileSync(path.join(root, 'docs/survival-rules.md'), text);
console.log('docs/survival-rules.md written');
