/**
 * Test helper, run as a child process: trains with the config given as JSON in argv[2] and kills itself with
 * SIGKILL just before the Nth rename (argv[3]) that a checkpoint write makes, so that nothing after that point
 * (no finally, no cleanup) runs, as in a power cut or `kill -9`. Not a test file itself.
 */
import { renameHook } from '../../../../src/engine/checkpoint/store';
import { initBackend } from '../../../../src/engine/tf';
import { train } from '../../../../src/engine/train/trainer';
import type { TrainConfig } from '../../../../src/engine/train/trainConfig';

const config = JSON.parse(process.argv[2]) as TrainConfig;
const killAt = Number(process.argv[3]);
let renames = 0;
const real = renameHook.rename;
renameHook.rename = async (from, to) => {
  renames++;
  if (renames === killAt) process.kill(process.pid, 'SIGKILL');
  await real(from, to);
};

void (async () => {
  await initBackend('wasm');
  await train(config);
  process.stdout.write(`renames ${renames}\n`);
})();
