// Extension-host test entry. VS Code loads this file (bundled to .cache/suite/index.js) through the
// `extensionTestsPath` payload and calls run(); the promise decides the exit code that the workbench
// reports back to exthostDriver.mjs (window.codeAutomationExit).
// Mocha is resolved from the repo's node_modules (external in the bundle): the test files share this
// one instance, which is why they can `import { describe, it } from 'mocha'`.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

/** Where the driver looks for the counts: next to the bundle, so no environment has to be passed in. */
export const RESULT_FILE = 'results.json';

export function run(): Promise<void> {
  const grep = readGrep();
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000, reporter: 'spec', ...(grep ? { grep } : {}) });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        const result = { passes: stats.passes, failures: stats.failures, pending: stats.pending, files };
        fs.writeFileSync(path.join(__dirname, RESULT_FILE), JSON.stringify(result));
        console.log(`MOCHA_DONE passes=${result.passes} failures=${result.failures} pending=${result.pending}`);
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      // A test file that throws while loading lands here, not in a failing test: record it as a failure.
      fs.writeFileSync(path.join(__dirname, RESULT_FILE), JSON.stringify({ passes: 0, failures: 1, pending: 0, files, loadError: String(e) }));
      console.error('MOCHA_LOAD_ERROR', e);
      reject(e);
    }
  });
}

/** run.sh writes grep.txt next to the bundle when VSCODE_TEST_GREP is set (the payload carries no args). */
function readGrep(): string | undefined {
  try {
    const g = fs.readFileSync(path.join(__dirname, 'grep.txt'), 'utf8').trim();
    return g || undefined;
  } catch {
    return undefined;
  }
}
