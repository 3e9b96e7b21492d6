/**
 * What a model *is*, independent of its weights. Stored in every checkpoint's model.json (docs/design.md, Formats),
 * so loading needs no side knowledge. Pure data: shared by engine, extension and webviews.
 */
/** dt-l: DT-recall with a Lipschitz-constrained (contractive) recurrent block (Bear et al. 2024) */
export type ModelKind = 'dt-recall' | 'dt' | 'feedforward' | 'dt-l';
export const MODEL_KINDS: readonly ModelKind[] = ['dt-recall', 'dt', 'feedforward', 'dt-l'];

export interface Architecture {
  kind: ModelKind;
  /** 1 = sequences (NWC), 2 = images (NHWC) */
  dims: 1 | 2;
  width: number;
  inChannels: number;
  /** iterations used in training; the feed-forward net has exactly this many untied blocks */
  maxIters: number;
  /** basic residual blocks inside the recurrent block (the paper uses 2) */
  blocks: number;
  /**
   * dt-l only: how a recurrent conv is spectrally normalised (src/engine/models/dtL.ts). `matrix` (absent = this):
   * by the largest singular value of its reshaped kernel, as torch.nn.utils.spectral_norm and Bear et al. do, so the
   * block is a contraction only approximately; `operator`: also by √(taps), a true bound on the conv, so the block is
   * a 0.9-contraction on any input.
   */
  spectralNorm?: SpectralNorm;
  /**
   * dt-l only: batch normalisation after the input projection conv and the head's hidden convs (Bear et al. 2024
   * normalise the input and the non-recurrent convolutions). Absent = false, which every DT-L checkpoint written
   * before this field existed is.
   */
  batchNorm?: boolean;
}

export type SpectralNorm = 'matrix' | 'operator';
export const SPECTRAL_NORMS: readonly SpectralNorm[] = ['matrix', 'operator'];

export function hasRecall(a: Architecture): boolean {
  return a.kind !== 'dt';
}

/**
 * Upper bounds on every architecture field, so a tiny model.json or .pth cannot ask for gigabytes before a single
 * weight is read. The paper's nets are far inside them (width ≤ 512, 2 blocks, ≤ 30 training iterations, Bansal
 * et al. 2022 appendix A); maxIters stays generous for recurrent nets, which allocate nothing per iteration.
 */
export const ARCHITECTURE_LIMITS = {
  width: 2048,
  inChannels: 64,
  blocks: 64,
  /** recurrent nets: the default test-time depth only */
  maxIters: 1_000_000,
  /** feed-forward nets allocate one block per layer */
  feedforwardLayers: 1000,
  /** 256 M parameters = 1 GiB of float32 */
  parameters: 256 * 1024 * 1024,
} as const;

/** Channels through the output head: in, hidden, hidden, logits (Bansal et al. 2022, appendix A). */
export function headChannels(a: Pick<Architecture, 'dims' | 'width'>): [number, number, number, number] {
  return a.dims === 2 ? [a.width, 32, 8, 2] : [a.width, a.width, Math.floor(a.width / 2), 2];
}

/** Weights of an architecture, computed from the fields alone (no arrays built), for bounds checks. */
export function parameterCount(a: Architecture): number {
  const k = a.dims === 2 ? 9 : 3;
  const w = a.width;
  const c = a.inChannels;
  const block = (a.kind !== 'dt' ? (w + c) * w * k : 0) + a.blocks * 2 * w * w * k;
  const head = headChannels(a);
  const headParams = (head[0] * head[1] + head[1] * head[2] + head[2] * head[3]) * k;
  const dtlExtras = a.kind === 'dt-l' ? w + a.blocks : 0; // recall bias, a mixing scalar per residual block
  // scale and shift per normalised channel (the running statistics are state, not parameters)
  const normParams = a.kind === 'dt-l' && a.batchNorm ? 2 * (w + head[1] + head[2]) : 0;
  return c * w * k + (a.kind === 'feedforward' ? a.maxIters : 1) * block + headParams + dtlExtras + normParams;
}

/** Throws a message naming the field when an architecture read from a file is malformed. */
export function validateArchitecture(a: unknown, where: string): Architecture {
  const o = a as Partial<Architecture> | null;
  const fail = (what: string): never => {
    throw new Error(`${where}: invalid architecture: ${what}`);
  };
  if (!o || typeof o !== 'object') fail('expected an object');
  if (!MODEL_KINDS.includes(o!.kind as ModelKind)) fail(`kind must be one of ${MODEL_KINDS.join(', ')}, got ${JSON.stringify(o!.kind)}`);
  if (o!.dims !== 1 && o!.dims !== 2) fail(`dims must be 1 or 2, got ${JSON.stringify(o!.dims)}`);
  for (const k of ['width', 'inChannels', 'maxIters', 'blocks'] as const) {
    const v = o![k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(`${k} must be a positive integer, got ${JSON.stringify(v)}`);
    const max = k === 'maxIters' && o!.kind === 'feedforward' ? ARCHITECTURE_LIMITS.feedforwardLayers : ARCHITECTURE_LIMITS[k];
    if ((v as number) > max) fail(`${k} ${v} is above the supported maximum of ${max}${k === 'maxIters' && o!.kind === 'feedforward' ? ' for a feed-forward net (one block per iteration)' : ''}`);
  }
  if (o!.spectralNorm !== undefined) {
    if (o!.kind !== 'dt-l') fail(`spectralNorm applies to dt-l only, not ${o!.kind}`);
    if (!SPECTRAL_NORMS.includes(o!.spectralNorm)) fail(`spectralNorm must be one of ${SPECTRAL_NORMS.join(', ')}, got ${JSON.stringify(o!.spectralNorm)}`);
  }
  if (o!.batchNorm !== undefined) {
    if (o!.kind !== 'dt-l') fail(`batchNorm applies to dt-l only, not ${o!.kind}`);
    if (typeof o!.batchNorm !== 'boolean') fail(`batchNorm must be true or false, got ${JSON.stringify(o!.batchNorm)}`);
  }
  const params = parameterCount(o as Architecture);
  if (params > ARCHITECTURE_LIMITS.parameters) {
    fail(`${params.toLocaleString('en-US')} parameters (${(params * 4 / 2 ** 30).toFixed(1)} GiB) is above the supported maximum of ${ARCHITECTURE_LIMITS.parameters.toLocaleString('en-US')}`);
  }
  return o as Architecture;
}
