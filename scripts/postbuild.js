#!/usr/bin/env node
// Makes the compiled CLI entry executable: npm links bin files as they are,
// and tsc does not preserve the mode of its outputs.
'use strict';
const fs = require('fs');
const path = require('path');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (fs.existsSync(entry)) fs.chmodSync(entry, 0o755);
