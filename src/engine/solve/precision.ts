/**
 * Thinking precision: float32 everywhere, or bfloat16 convolutions for inference on the libtorch backend.
 *
 * Why: a DT maze net spends ~95 % of an iteration in its five 3×3 convolutions. On CPUs
 * with AVX512-BF16 (this machine: 2 Zen 4 cores) oneDNN runs them in bfloat16 ~2.3× faster than in float32
 * (408×408×32: ~7 vs ~16 ms per conv, channels-last, measured with Debian's python3-torch). bfloat16 keeps float32's
 * range with an 8-bit mantissa, so a state is rounded at every convolution; the net is a contracting dynamical
 * system that corrects its own errors (Bansal et al. 2022, §5: perturbed states recover), and its predictions are
 * checked against BFS and against float32 by the tests and benchmarks that use this. Training never uses it.
 *
 * The setting lives in the addon, per thread; `withPrecision` scopes it around synchronous tfjs work so that
 * nothing else (a training step on the same thread, say) ever runs under it.
 */
import * as fs from 'node:fs';
import { tf } from '../tf';
import type { TorchBackend } from '../backends/torch/torchBackend';

export type ThinkingPrecision = 'float32' | 'bfloat16';
export type PrecisionChoice = 'auto' | ThinkingPrecision;
export const PRECISION_CHOICES: readonly PrecisionChoice[] = ['auto', 'float32', 'bfloat16'];

/** CPU flags that make oneDNN's bfloat16 convolutions native rather than emulated. */
const BF16_FLAGS = ['avx512_bf16', 'amx_bf16'];

/** Whether this CPU advertises native bfloat16 dot products (Linux: /proc/cpuinfo; elsewhere: unknown = no). */
export function cpuHasBfloat16(cpuinfo?: string): boolean {
  if (cpuinfo === undefined) return (thisCpu ??= cpuHasBfloat16(readCpuinfo()));
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  return BF16_FLAGS.some((f) => flags.has(f));
}

let thisCpu: boolean | undefined;

function readCpuinfo(): string {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

function torchAddon(): TorchBackend['addon'] | undefined {
  if (tf.getBackend() !== 'torch') return undefined;
  return (tf.backend() as unknown as TorchBackend).addon;
}

/** Whether the engine's tensors live on a CUDA device (the torch backend on a GPU; see native/src/device.cc). */
export function torchOnCuda(): boolean {
  return torchAddon()?.deviceInfo?.().device.startsWith('cuda') ?? false;
}

/** Why bfloat16 thinking is unavailable here, or undefined when it is available. */
export function bfloat16Unavailable(): string | undefined {
  const addon = torchAddon();
  if (!addon) return `bfloat16 thinking needs the torch (libtorch) backend; this engine runs on ${tf.getBackend()}`;
  if (typeof addon.setConvPrecision !== 'function') return 'the torch addon predates bfloat16 support: rebuild it (npm run build:native)';
  // On a CUDA device cuDNN runs bfloat16 natively (Ampere and later); the CPU's flags matter only on the CPU.
  if (!torchOnCuda() && !cpuHasBfloat16()) return 'this CPU has no native bfloat16 (AVX512-BF16 or AMX-BF16), where oneDNN would emulate it slowly';
  return undefined;
}

/**
 * The precision a request resolves to. 'auto' → bfloat16 where it is available, else float32; an explicit
 * 'bfloat16' that is unavailable throws with the reason (never silently float32).
 */
export function resolvePrecision(choice: PrecisionChoice = 'auto'): ThinkingPrecision {
  if (!PRECISION_CHOICES.includes(choice)) throw new Error(`unknown precision "${choice}"; expected ${PRECISION_CHOICES.join(', ')}`);
  if (choice === 'float32') return 'float32';
  const why = bfloat16Unavailable();
  if (choice === 'bfloat16' && why) throw new Error(why);
  return why ? 'float32' : 'bfloat16';
}

/** Run synchronous tfjs work `f` with convolutions in `precision`, restoring the previous setting afterwards. */
export function withPrecision<T>(precision: ThinkingPrecision, f: () => T): T {
  const addon = torchAddon();
  if (!addon?.setConvPrecision) {
    if (precision === 'float32') return f(); // every other backend computes in float32
    throw new Error(bfloat16Unavailable() ?? 'bfloat16 thinking is unavailable');
  }
  const previous = addon.setConvPrecision(precision === 'bfloat16' ? 1 : 0);
  try {
    return f();
  } finally {
    addon.setConvPrecision(previous);
  }
}
