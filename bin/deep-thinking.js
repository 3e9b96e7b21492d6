#!/usr/bin/env node
// The `deep-thinking` CLI: runs the bundled engine in-process (build first: `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('deep-thinking: dist/cli.js is missing; run `npm run build` first (or `npm install`, which builds).');
  process.exit(2);
}
require(cli);
