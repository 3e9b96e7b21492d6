/**
 * What a model *is*, independent of its weights. Stored in every checkpoint's model.json (DESIGN.md §4),
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
}

export function hasRecall(a: Architecture): boolean {
  return a.kind !== 'dt';
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
  }
  return o as Architecture;
}
