// Run the UI tests (<uiDir>/*.test.mjs) one file at a time with node:test, against the code-server
// that run.sh started. Prints the spec report, then writes {"passes","failures"} to <resultFile>.
// Usage: node runUi.mjs <uiDir> <resultFile> [nameFilter]
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const [uiDir, resultFile, filter] = process.argv.slice(2);
const files = fs.readdirSync(uiDir)
  .filter((f) => f.endsWith('.test.mjs') && (!filter || f.includes(filter)))
  .sort()
  .map((f) => path.join(uiDir, f));
if (files.length === 0) {
  console.error(`ui: no *.test.mjs files in ${uiDir}${filter ? ` matching "${filter}"` : ''}`);
  fs.writeFileSync(resultFile, JSON.stringify({ passes: 0, failures: 1, files: [] }));
  process.exit(1);
}

let passes = 0;
let failures = 0;
// One file at a time: every file opens its own browser, and two workbenches at once would fight over
// the 2 cores and the shared server.
const stream = run({ files, concurrency: 1, timeout: Number(process.env.VSCODE_UI_TIMEOUT_MS || 180000) });
// Suites (describe) also emit pass/fail: count tests only. A file that cannot load counts as one failure.
stream.on('test:pass', (d) => { if (d.details?.type !== 'suite' && !d.skip && !d.todo) passes++; });
stream.on('test:fail', (d) => { if (d.details?.type !== 'suite') failures++; });
await pipeline(stream.compose(typeof spec === 'function' ? new spec() : spec), process.stdout, { end: false });
fs.writeFileSync(resultFile, JSON.stringify({ passes, failures, files: files.map((f) => path.basename(f)) }));
process.exit(failures > 0 ? 1 : 0);
