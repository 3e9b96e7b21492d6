import type { Architecture } from '../../shared/architecture';
import { DTNet } from './dtNet';
import { FeedForwardNet } from './feedForward';

/** Build the network an architecture describes, with given weights or a seeded initialiser. */
export function createModel(arch: Architecture, init?: Map<string, Float32Array> | (() => number)): DTNet {
  return arch.kind === 'feedforward' ? new FeedForwardNet(arch, init) : new DTNet(arch, init);
}
