// Bundle the extension-host tests for VS Code's extension host.
// Usage: node buildSuite.mjs <suiteDir> <outDir>
//   <suiteDir>/*.test.ts  -> <outDir>/<name>.test.js   (one bundle per file, so mocha reports per file)
//   exthost/runner.ts     -> <outDir>/index.js         (the extensionTestsPath entry)
// CommonJS because the extension host require()s the tests entry; `vscode` is provided by the host and
// `mocha` must stay one shared instance, so both are external.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [suiteDir, outDir] = process.argv.slice(2);
if (!suiteDir || !outDir) {
  console.error('usage: node buildSuite.mjs <suiteDir> <outDir>');
  process.exit(2);
}
const tests = fs.existsSync(suiteDir) ? fs.readdirSync(suiteDir).filter((f) => /\.test\.[cm]?[jt]s$/.test(f)).sort() : [];
if (tests.length === 0) {
  console.error(`buildSuite: no *.test.ts files in ${suiteDir}`);
  process.exit(1);
}
fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });

// Point `mocha` at the repo's copy by absolute path, so the bundles work wherever outDir is.
const mochaPath = createRequire(import.meta.url).resolve('mocha');
const mochaFromRepo = {
  name: 'mocha-from-repo',
  setup(b) {
    b.onResolve({ filter: /^mocha$/ }, () => ({ path: mochaPath, external: true }));
  },
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  plugins: [mochaFromRepo],
  // No source maps: VS Code's extension host owns Error.prepareStackTrace (non-configurable), so Node
  // would not apply them. Stack traces name lines of the .js bundle; esbuild's `// <file>.ts` comments
  // there show which source each part came from.
  sourcemap: false,
  logLevel: 'warning',
};
try {
  await build({ ...common, entryPoints: { index: path.join(here, 'runner.ts') }, outdir: outDir });
  await build({
    ...common,
    entryPoints: Object.fromEntries(tests.map((f) => [f.replace(/\.[cm]?[jt]s$/, ''), path.join(suiteDir, f)])),
    outdir: outDir,
  });
} catch (e) {
  // esbuild already printed file:line:column for each error
  console.error(`buildSuite: bundling ${suiteDir} failed`);
  process.exit(1);
}
console.log(`buildSuite: ${tests.length} test file(s) -> ${outDir}`);
