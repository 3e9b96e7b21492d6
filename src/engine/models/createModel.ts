import type { Architecture } from '../../shared/architecture';
import { DTNet } from './dtNet';
import { FeedForwardNet } from './feedForward';
import { DTLNet } from './dtL';

/** Build the network an architecture describes, with given weights or a seeded initialiser. */
export function createModel(arch: Architecture, init?: Map<string, Float32Array> | (() => number)): DTNet {
  if (arch.kind === 'feedforward') return new FeedForwardNet(arch, init);
  return arch.kind === 'dt-l' ? new DTLNet(arch, init) : new DTNet(arch, init);
}
