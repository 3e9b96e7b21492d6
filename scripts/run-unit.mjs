// Runs every test/unit/**/*.test.ts with Node's own test runner (via the tsx loader).
// Usage: node scripts/run-unit.mjs [substring-filter]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const filter = process.argv[2] ?? '';
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') && p.includes(filter) ? [p] : [];
  });
}
const files = walk('test/unit').sort();
if (files.length === 0) {
  console.error(`no unit tests matched "${filter}"`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
