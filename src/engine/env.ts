/**
 * Every environment variable the engine reads, in one table (after tfjs's flags registry): its name, what it does,
 * and how its text is read. Modules ask `readEnv('torchThreads')` instead of reading `process.env` themselves, so
 * `deep-thinking --help` users and readers of the code find every knob here, and a bad value fails with an error
 * that names the variable.
 *
 * The CLI's `--backend` and `--device` and the extension's settings set the first two for the engine process and
 * its worker threads; the rest are for tests, debugging and unusual installs.
 */

interface EnvVar<T> {
  name: string;
  description: string;
  parse(raw: string): T;
}

function positiveInteger(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name}="${raw}" is not a positive integer`);
    return n;
  };
}

const text = (raw: string): string => raw;
const flag = (raw: string): boolean => raw === '1' || raw === 'true';

export const ENV_VARS = {
  backend: {
    name: 'DEEP_THINKING_BACKEND',
    description: 'compute backend: auto | gpu | native | torch | wasm | cpu (set by --backend and deepThinking.engine.backend)',
    parse: text,
  },
  device: {
    name: 'DEEP_THINKING_DEVICE',
    description: 'where the torch backend keeps tensors: auto | cpu | cuda | cuda:N (set by --device and deepThinking.engine.device)',
    parse: text,
  },
  modelsDir: {
    name: 'DEEP_THINKING_MODELS_DIR',
    description: 'directory of the bundled checkpoints (<name>/model.json); default: media/models next to the engine',
    parse: text,
  },
  wasmDir: {
    name: 'DEEP_THINKING_WASM_DIR',
    description: "directory holding tfjs's .wasm binaries; default: dist/wasm next to the engine",
    parse: text,
  },
  torchAddon: {
    name: 'DEEP_THINKING_TORCH_ADDON',
    description: 'path of the libtorch addon (dt_torch.node); default: next to the bundle, then native/build',
    parse: text,
  },
  torchThreads: {
    name: 'DEEP_THINKING_TORCH_THREADS',
    description: "libtorch's intra-op threads; default: every core on the main thread, 1 in a worker thread",
    parse: positiveInteger('DEEP_THINKING_TORCH_THREADS'),
  },
  torchCheck: {
    name: 'DEEP_THINKING_TORCH_CHECK',
    description: '1: compare every torch kernel output with the shape and dtype tfjs expects (tests)',
    parse: flag,
  },
  torchVerbose: {
    name: 'DEEP_THINKING_TORCH_VERBOSE',
    description: '1: say once per kernel when the torch backend runs it on the cpu backend',
    parse: flag,
  },
  fused: {
    name: 'DEEP_THINKING_FUSED',
    description: "0: run the recurrent block as separate kernels even where the backend has the fused one (measurements, debugging)",
    parse: (raw: string): boolean => !(raw === '0' || raw === 'false'),
  },
  debug: {
    name: 'DEEP_THINKING_DEBUG',
    description: '1: the CLI prints stack traces with its errors',
    parse: flag,
  },
} satisfies Record<string, EnvVar<unknown>>;

export type EnvKey = keyof typeof ENV_VARS;
type EnvValue<K extends EnvKey> = ReturnType<(typeof ENV_VARS)[K]['parse']>;

/** The variable's parsed value, or undefined when it is unset or empty. Throws, naming it, on a bad value. */
export function readEnv<K extends EnvKey>(key: K): EnvValue<K> | undefined {
  const v = ENV_VARS[key];
  const raw = process.env[v.name];
  if (raw === undefined || raw === '') return undefined;
  return v.parse(raw) as EnvValue<K>;
}
