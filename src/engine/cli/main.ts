/**
 * `deep-thinking`: the terminal front end of the engine. It drives the same modules as the
 * extension's engine process, in-process. The sub-commands and their flags are a contract used by acceptance
 * checks: keep them exactly.
 */
import { readEnv } from '../env';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createOutput, parseIterations, parseNumber, parsePositiveInt, type Output } from './output';
import { generateMazeFiles, generatePrefixSumStrings } from './generate';
import { runTrain } from './train';
import { runEval } from './evaluate';
import { runPredict } from './predict';
import { runTrace } from './trace';
import { runBenchSession, runBenchSolve, runBenchTrain } from './bench';
import { initBackend, BACKEND_PREFERENCES, type BackendPreference } from '../tf';
import { parseDeviceSpec, type DeviceSpec } from '../backends/torch/nativeAddon';
import { ENGINE_VERSION } from '../checkpoint/format';
import { TILE_DEFAULTS } from '../tiles/tileDefaults';

const program = new Command();
program
  .name('deep-thinking')
  .description('Deep Thinking Lab engine: train, evaluate and run recurrent nets that learn algorithms (Bansal et al. 2022).')
  .version(ENGINE_VERSION)
  .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_PREFERENCES as string[]).default(readEnv('backend') ?? 'auto'))
  .addOption(
    new Option('--device <d>', 'where the torch backend keeps tensors: auto (CUDA when its libtorch has it) | cpu | cuda | cuda:N')
      .default(readEnv('device') ?? 'auto')
      .argParser((v) => {
        try {
          return parseDeviceSpec(v, '--device');
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message); // commander prints it as a usage error
        }
      }),
  )
  .option('--json', 'print one JSON object per line', false)
  .showHelpAfterError();

interface GlobalOpts {
  backend: BackendPreference;
  device: DeviceSpec;
  json: boolean;
}

/** Every command: pick the backend, say which one runs, turn errors into one clear line and exit code 1. */
function action<A extends unknown[]>(needsBackend: boolean, fn: (out: Output, ...args: A) => Promise<void> | void) {
  return async (...args: A) => {
    const g = program.opts<GlobalOpts>();
    const out = createOutput(g.json);
    try {
      if (needsBackend) {
        process.env.DEEP_THINKING_BACKEND = g.backend; // workers read it
        process.env.DEEP_THINKING_DEVICE = g.device; // workers and the torch backend read it
        const info = await initBackend(g.backend);
        out.info(`backend: ${info.description}`);
      }
      await fn(out, ...args);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (g.json) process.stdout.write(JSON.stringify({ error: msg }) + '\n');
      process.stderr.write(`deep-thinking: ${msg}\n`);
      if (readEnv('debug') && e instanceof Error) process.stderr.write(`${e.stack}\n`);
      process.exitCode = 1;
    }
  };
}

const int = (flag: string) => (v: string) => parsePositiveInt(v, flag);
const num = (flag: string) => (v: string) => parseNumber(v, flag);

program
  .command('train')
  .description('train a model with the progressive loss and write a checkpoint directory')
  .addOption(new Option('--problem <p>', 'puzzle family (alone: runs its default recipe)').choices(['prefix-sums', 'mazes', 'chess']))
  .option('--recipe <name|file>', 'a built-in recipe (prefix-sums, mazes, mazes-bundled, chess, and the baselines -dt, -ff) or a recipe .json; training flags then override every stage')
  .option('--seeds <list>', 'a seed sweep, e.g. 1,2,3: the recipe once per seed in <out>/seed-<S>, summary in <out>/sweep.json')
  .addOption(new Option('--sampling <s>', "progressive loss draws: independent n and k (the paper's code) or a uniform total n + k").choices(['independent', 'uniform-total']))
  .addOption(new Option('--model <kind>', 'architecture (default: the recipe\'s; dt-recall)').choices(['dt-recall', 'dt', 'feedforward', 'dt-l']))
  .addOption(new Option('--spectral-norm <n>', "dt-l: normalise each recurrent conv by its reshaped kernel's largest singular value (matrix, the paper's) or also by √taps, a true bound (operator)").choices(['matrix', 'operator']))
  .option('--batch-norm', "dt-l: batch norm after the input projection and the head's hidden convs (the paper's; default: the recipe's, off)")
  .option('--width <w>', 'channels of the recurrent block', int('--width'))
  .option('--max-iters <n>', 'training iterations (the paper uses 30)', int('--max-iters'))
  .option('--alpha <a>', 'progressive loss weight α', num('--alpha'))
  .option('--epochs <e>', 'epochs', int('--epochs'))
  .option('--train-size <s>', 'number of training puzzles (80% train, 20% validation)', int('--train-size'))
  .option('--size <n>', 'prefix-sum length or maze size of the training puzzles', int('--size'))
  .option('--val-size <n>', 'also validate (and select the best epoch) on this longer length / bigger maze', int('--val-size'))
  .option('--batch-size <b>', 'batch size', int('--batch-size'))
  .option('--lr <lr>', 'learning rate', num('--lr'))
  .addOption(new Option('--optimizer <o>', 'adam, or sgd with momentum 0.9 (default: the problem\'s; the paper: adam for prefix sums and mazes, sgd for chess)').choices(['adam', 'sgd']))
  .option('--no-lr-throttle', "mazes: don't divide the recurrent block's lr by max-iters (the paper's throttle)")
  .option('--seed <n>', 'random seed', (v) => parseNumber(v, '--seed'), 0)
  .option('--stop-at <acc>', 'stop once the selection accuracy reaches this fraction (e.g. 1); --epochs is then a cap', num('--stop-at'))
  .option('--threads <n>', 'worker threads for gradients (default: one per core on wasm, 1 on self-threading backends)', int('--threads'))
  .option('--csv <file>', 'chess: Lichess puzzle CSV')
  .option('--min-rating <r>', 'chess: lowest rating kept', num('--min-rating'))
  .option('--max-rating <r>', 'chess: ratings below this are kept', num('--max-rating'))
  .option('--profile <p>', 'defaults of a single run: cpu (small, fits 2 cores) or paper (the paper\'s widths)', 'cpu')
  .option('--resume', 'continue the run (recipe stage, sweep seed) in --out', false)
  .option('--init <model>', 'start from this model\'s weights (checkpoint dir, .pth or bundled name): fine-tune or curriculum')
  .requiredOption('--out <dir>', 'checkpoint directory')
  .action(action(true, (out, opts) => runTrain(out, opts as never)));

program
  .command('eval')
  .description('accuracy per iteration (the overthinking / extrapolation curve) on a freshly generated test set')
  .requiredOption('--model <spec>', 'checkpoint dir, .pth file, or bundled model name')
  .addOption(new Option('--problem <p>', 'puzzle family (default: the model\'s)').choices(['prefix-sums', 'mazes', 'chess']))
  .option('--size <n>', 'maze size', int('--size'))
  .option('--length <l>', 'prefix-sum length', int('--length'))
  .option('--csv <file>', 'chess: Lichess puzzle CSV')
  .option('--min-rating <r>', 'chess: lowest rating kept', num('--min-rating'))
  .option('--max-rating <r>', 'chess: ratings below this are kept', num('--max-rating'))
  .option('--iterations <list>', 'iterations to record, e.g. 1,5,30,100, or auto', '1,5,10,20,30,50,100')
  .option('--count <n>', 'number of test puzzles', int('--count'), 100)
  .option('--seed <n>', 'test-set seed (kept apart from training seeds)', (v) => parseNumber(v, '--seed'), 1234)
  .option('--batch-size <b>', 'batch size', int('--batch-size'))
  .option('--tile-batch <k>', 'auto on tiles: mazes thought side by side, sharing each kernel launch (default 1)', int('--tile-batch'))
  .option('--record', "store the curve in the checkpoint's model.json (metrics.accuracyPerIteration)", false)
  .addOption(new Option('--thinking <how>', 'mazes: auto (tiles or the bfloat16 warm start for big images, as the editor), dense, or tiles').choices(['auto', 'dense', 'tiles']).default('auto'))
  .action(action(true, (out, opts) => runEval(out, { ...(opts as Record<string, unknown>), iterations: parseIterations((opts as { iterations: string }).iterations) } as never)));

program
  .command('predict')
  .description('solve puzzles from files and print the predictions')
  .requiredOption('--model <spec>', 'checkpoint dir, .pth file, or bundled model name')
  .option('--iterations <n>', 'a number, or auto (halt when stable and confident)', 'auto')
  .option('--prefix-sums <file>', 'file with one bit string per line')
  .option('--chess <file>', 'Lichess puzzle CSV')
  .addOption(new Option('--thinking <how>', 'mazes: auto (tiles or the bfloat16 warm start for big images, as the editor), dense, or tiles').choices(['auto', 'dense', 'tiles']).default('auto'))
  .argument('[files...]', '.maze files')
  .action(
    action(true, (out, files: string[], opts) => {
      const o = opts as { model: string; iterations: string; prefixSums?: string; chess?: string; thinking?: 'auto' | 'dense' | 'tiles' };
      const it = parseIterations(o.iterations);
      if (it !== 'auto' && it.length !== 1) throw new Error('--iterations: predict takes one number or auto');
      return runPredict(out, { model: o.model, iterations: it === 'auto' ? 'auto' : it[0], mazes: files, prefixSums: o.prefixSums, chess: o.chess, thinking: o.thinking });
    }),
  );

program
  .command('trace')
  .description('logits at chosen iterations for an NCHW input (the layout of the PyTorch fixtures)')
  .requiredOption('--model <spec>', 'checkpoint dir, .pth file, or bundled model name')
  .requiredOption('--input <file>', 'JSON file {"input": NCHW nested array}')
  .option('--iterations <list>', 'e.g. 1,5,30', '1,5,30')
  .action(
    action(true, (out, opts) => {
      const o = opts as { model: string; input: string; iterations: string };
      const it = parseIterations(o.iterations);
      if (it === 'auto') throw new Error('--iterations: trace needs explicit iterations');
      return runTrace(out, { model: o.model, input: o.input, iterations: it });
    }),
  );

const generate = program.command('generate').description('write fresh, seeded puzzle sets');
generate
  .command('mazes')
  .requiredOption('--size <n>', 'maze size (odd, 3…801+)', int('--size'))
  .requiredOption('--count <k>', 'how many', int('--count'))
  .option('--seed <s>', 'seed', (v) => parseNumber(v, '--seed'), 0)
  .option('--loops <f>', 'fraction of extra walls removed (imperfect mazes)', num('--loops'))
  .requiredOption('--out <dir>', 'output directory')
  .action(action(false, (out, opts) => void generateMazeFiles(opts as never, out)));
generate
  .command('prefix-sums')
  .requiredOption('--length <l>', 'bits per string', int('--length'))
  .requiredOption('--count <k>', 'how many', int('--count'))
  .option('--seed <s>', 'seed', (v) => parseNumber(v, '--seed'), 0)
  .option('--out <file>', 'write to a file (default: stdout)')
  .action(action(false, (out, opts) => generatePrefixSumStrings(opts as never, out)));

program
  .command('bench')
  .description('median ms of one training step (T iterations with recall, head on the last, cross-entropy, backward, update)')
  .addOption(new Option('--model <kind>', 'architecture').choices(['dt-recall', 'dt-l']).default('dt-recall'))
  .addOption(new Option('--dims <d>', '1 or 2').choices(['1', '2']).default('2'))
  .option('--width <w>', 'width', int('--width'), 32)
  .option('--iterations <t>', 'recurrent iterations T', int('--iterations'), 20)
  .option('--batch <b>', 'batch size', int('--batch'), 16)
  .option('--size <n>', 'image side (2-D) or length (1-D)', int('--size'), 24)
  .option('--steps <k>', 'timed steps (after 2 warm-up steps)', int('--steps'), 10)
  .option('--threads <n>', 'worker threads (default: cores)', int('--threads'))
  .action(action(true, (out, opts) => runBenchTrain(out, opts as never)));
// `bench solve` is its own (hidden-name) command: commander would otherwise hand `--size` to bench's own --size.
program
  .command('bench-solve')
  .description('think on one big maze: ms, iterations/s, active fraction, peak rss')
  .requiredOption('--size <n>', 'maze size', int('--size'))
  .option('--model <spec>', 'model (default: bundled mazes, else random weights of --width)')
  .option('--width <w>', 'width for random weights', int('--width'), 32)
  .option('--iterations <n>', 'a number or auto', 'auto')
  .option('--path <p>', 'dense | sparse | ort | auto', 'auto')
  .option('--tolerance <t>', 'sparse: a tile is recomputed once its neighbourhood changed by more (0 = exact; default as the editor)', num('--tolerance'), TILE_DEFAULTS.tolerance)
  .option('--self-tolerance <t>', 'sparse: a tile whose own values moved by more is recomputed (default: the tolerance)', num('--self-tolerance'))
  .option('--tile-size <px>', 'sparse: tile side in pixels', int('--tile-size'), TILE_DEFAULTS.tileSize)
  .option('--patience <n>', 'auto: compare predictions this many iterations apart', int('--patience'), 100)
  .option('--seed <s>', 'maze seed', (v) => parseNumber(v, '--seed'), 7)
  .option('--engine <e>', 'tile kernels: auto | tfjs | ort', 'auto')
  .option('--precision <p>', 'tfjs convolutions: float32 | bfloat16 | auto (bfloat16 needs the torch backend and a CPU with AVX512-BF16)', 'float32')
  .option('--max-iterations <n>', 'cap for --iterations auto', int('--max-iterations'))
  .option('--head-every <k>', 'compute predictions every k iterations (1 = every frame, as when streaming to the editor)', int('--head-every'), 1)
  .option('--max-seconds <s>', 'stop thinking after this many seconds and report what was reached', num('--max-seconds'))
  .action(action(true, (out, opts) => runBenchSolve(out, opts as never)));

program
  .command('bench-session')
  .description('solve one maze as the editor does (SolveSession, frames streamed): engine, ms, frames, correctness')
  .requiredOption('--size <n>', 'maze size', int('--size'))
  .option('--model <spec>', 'model', 'mazes')
  .option('--iterations <n>', 'a number or auto', 'auto')
  .option('--thinking <t>', 'auto | dense | tiles (auto: tiles from 64×64 px with onnxruntime-node on wasm, from 256×256 px on a native backend)', 'auto')
  .option('--precision <p>', 'auto | float32 | bfloat16 (auto: on libtorch with AVX512-BF16, big mazes start dense in bfloat16, then float32 tiles)', 'auto')
  .option('--engine <e>', 'tile kernels: auto | tfjs | ort', 'auto')
  .option('--fps <f>', 'frames per second streamed (the editor: 30)', num('--fps'), 30)
  .option('--seed <s>', 'maze seed', (v) => parseNumber(v, '--seed'), 7)
  .option('--max-iterations <n>', 'cap for --iterations auto', int('--max-iterations'))
  .option('--max-seconds <s>', 'stop thinking after this many seconds (as the editor\'s Stop) and report what was reached', num('--max-seconds'))
  .option('--switch-below <f>', 'bfloat16 warm start: hand over to the tiles once fewer than this fraction of tiles moved', num('--switch-below'))
  .action(action(true, (out, opts) => runBenchSession(out, opts as never)));

/** `bench solve …` → `bench-solve …`, `bench session …` → `bench-session …` (see above). */
function normaliseArgv(argv: string[]): string[] {
  const i = argv.findIndex((a, k) => k >= 2 && a === 'bench');
  return i >= 0 && (argv[i + 1] === 'solve' || argv[i + 1] === 'session') ? [...argv.slice(0, i), `bench-${argv[i + 1]}`, ...argv.slice(i + 2)] : argv;
}

program.parseAsync(normaliseArgv(process.argv)).catch((e) => {
  process.stderr.write(`deep-thinking: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
