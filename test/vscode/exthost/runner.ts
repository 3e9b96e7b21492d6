// Extension-host test entry. VS Code loads this file (bundled to .cache/run/suite/index.js) through the
// `extensionTestsPath` payload and calls run(); the promise decides the exit code that the workbench
// reports back to exthostDriver.mjs (window.codeAutomationExit).
// Mocha comes from the repo's node_modules (external in the bundle): the test files share this one
// instance, which is why they can `import { describe, it } from 'mocha'`.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/** Counts for run.sh, next to the bundle, so no environment has to be passed through the workbench. */
const RESULT_FILE = 'results.json';

export function run(): Promise<void> {
  const grep = readGrep();
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000, reporter: 'spec', ...(grep ? { grep } : {}) });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) loadFile(mocha, path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const { passes = 0, pending = 0 } = runner.stats ?? {};
      const result = { passes, failures, pending, files };
      fs.writeFileSync(path.join(__dirname, RESULT_FILE), JSON.stringify(result));
      console.log(`MOCHA_DONE passes=${passes} failures=${failures} pending=${pending}`);
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}

/**
 * What Mocha#loadFiles does for one file, but a file that throws while loading becomes one failing
 * test named after it, and the other files still run.
 */
function loadFile(mocha: Mocha, file: string): void {
  const suite = mocha.suite;
  suite.emit('pre-require', globalThis, file, mocha);
  try {
    suite.emit('require', require(file), file, mocha);
  } catch (err) {
    suite.addTest(new Mocha.Test(`load ${path.basename(file)}`, () => { throw err; }));
  }
  suite.emit('post-require', globalThis, file, mocha);
}

/** run.sh writes grep.txt next to the bundle when VSCODE_TEST_GREP is set (the payload carries no args). */
function readGrep(): string | undefined {
  try {
    return fs.readFileSync(path.join(__dirname, 'grep.txt'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
