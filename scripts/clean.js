#!/usr/bin/env node
// Removes dist/ before a build: tsc never deletes outputs of removed or moved sources, and a stale
// dist/src/x.js would shadow a new dist/src/x/index.js for require('./x') in tests and plugins.
'use strict';
require('fs').rmSync(require('path').join(__dirname, '..', 'dist'), { recursive: true, force: true });
