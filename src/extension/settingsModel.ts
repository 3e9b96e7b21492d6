/**
 * The settings' types and defaults, without the vscode import (unit-tested): every raw value from the
 * configuration is checked, and a bad one falls back to its default instead of reaching the engine.
 */
export type Backend = 'auto' | 'gpu' | 'native' | 'torch' | 'wasm';
export const BACKENDS: readonly Backend[] = ['auto', 'gpu', 'native', 'torch', 'wasm'];
/** Where the torch backend keeps tensors: 'auto' (CUDA when its libtorch has it) | 'cpu' | 'cuda' | 'cuda:N'. */
export type Device = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`;

function isDevice(v: unknown): v is Device {
  return typeof v === 'string' && /^(auto|cpu|cuda|cuda:\d{1,3})$/.test(v);
}

export interface Settings {
  /** Node executable for the engine; empty = the extension host's own Node */
  nodePath: string;
  backend: Backend;
  device: Device;
  /** most solve frames streamed per second */
  maxFps: number;
  /** 'auto' (halt when stable) or a fixed count */
  iterations: number | 'auto';
  /** frames bigger than this many cells are downsampled by the engine */
  maxFrameCells: number;
  /** memory the maze editor's timeline may keep, per editor */
  frameMemoryMB: number;
  trainEpochs: number;
}

export const DEFAULT_SETTINGS: Settings = {
  nodePath: '',
  backend: 'auto',
  device: 'auto',
  maxFps: 30,
  iterations: 'auto',
  maxFrameCells: 256 * 256,
  frameMemoryMB: 64,
  trainEpochs: 20,
};

function int(v: unknown, min: number, max: number, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : fallback;
}

export function normalizeSettings(raw: Record<string, unknown>): Settings {
  const d = DEFAULT_SETTINGS;
  const iterations =
    raw.iterations === 'auto' || raw.iterations === 0 || raw.iterations === undefined
      ? 'auto'
      : typeof raw.iterations === 'string' && /^\d+$/.test(raw.iterations)
        ? int(Number(raw.iterations), 1, 100_000, 30)
        : int(raw.iterations, 1, 100_000, 30);
  return {
    nodePath: typeof raw.nodePath === 'string' ? raw.nodePath.trim() : d.nodePath,
    backend: BACKENDS.includes(raw.backend as Backend) ? (raw.backend as Backend) : d.backend,
    device: isDevice(raw.device) ? raw.device : d.device,
    maxFps: int(raw.maxFps, 1, 120, d.maxFps),
    iterations: raw.iterations === undefined ? d.iterations : iterations,
    maxFrameCells: int(raw.maxFrameCells, 64, 4096 * 4096, d.maxFrameCells),
    frameMemoryMB: int(raw.frameMemoryMB, 4, 4096, d.frameMemoryMB),
    trainEpochs: int(raw.trainEpochs, 1, 10_000, d.trainEpochs),
  };
}
