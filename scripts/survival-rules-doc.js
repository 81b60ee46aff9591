#!/usr/bin/env node
// Rewrites docs/survival-rules.md from the built rule table (run `npm run build` first): the table as
// `whydied checks --rules` prints it, with the developer note on how the document is generated.
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const { RISK_EVENTS, SURVIVAL_RULES, KERNEL_THREAD_CODE } = require(path.join(root, 'dist/src/engine/survival'));
const { rulesMarkdown } = require(path.join(root, 'dist/src/render/rules-markdown'));
fs.writeFileSync(
  path.join(root, 'docs/survival-rules.md'),
  rulesMarkdown(RISK_EVENTS, SURVIVAL_RULES, KERNEL_THREAD_CODE),
);
console.log('docs/survival-rules.md written');
