/**
 * A hand-built DT-recall maze net whose thinking is an exact flood fill from the start pixel: one pixel of front
 * per iteration, integer-valued state, so it reaches exact fixed points. It is *not* a maze solver (it paints the
 * reachable region, not the shortest path); it stands in for a trained model where a realistic "thin front" is
 * needed: exactness tests and benchmarks of the sparse thinker, with the same architecture and FLOPs as a real
 * width-w net (the unused channels have zero weights, which the convs still multiply).
 *
 * Input colours (mazeProblem.encode): wall (0,0,0), open (1,1,1), start (0,1,0), goal (1,0,0). So
 *   open(p)  O = R + G − B  (1 on every non-wall pixel, S and G included), start(p) s = G − B.
 * Thought channels: 0 = reached r ∈ {0,1}, 1 = O, 2 = scratch, the rest 0.
 *   recall conv:   A = Σ_{p and its 4 neighbours} r + s;   O = R + G − B            (no ReLU in 2-D nets)
 *   block 1:       conv1 → T = relu(A − O);  conv2 → −T on channel 0;  residual → r' = relu(A − relu(A − O))
 *                  which is min(A, 1) on open pixels (O = 1) and 0 on walls (O = 0), since A ≥ 0.
 *   block 2:       zero weights, so relu(0 + h) = h.
 *   head:          logit1 = r, logit0 = 0: class1 = r > 0 on reached pixels.
 * No biases are needed, matching the paper's bias-free convs.
 *
 * With `blink`, channel 3 also holds a blinker b' = relu(O − b) (recall conv: O − b; the blocks pass it through):
 * 0, 1, 0, 1, … on every open pixel. It never reaches a fixed point, only a 2-cycle, like the trained maze nets
 * (scripts/measure/state-drift.ts), while the flood front stays thin: the case the sparse thinker's period-2 bookkeeping
 * is for. The head ignores it.
 */
import type { Architecture } from '../../shared/architecture';
import { DTNet } from '../models/dtNet';

/** Build the flood-fill net at the given width (≥ 3), with the paper's 2-D DT-recall layout (2 blocks). */
export function floodFillNet(width = 32, opts: { blink?: boolean } = {}): DTNet {
  const need = opts.blink ? 4 : 3;
  if (!(Number.isInteger(width) && width >= need)) throw new RangeError(`flood-fill net needs width ≥ ${need}, got ${width}`);
  const arch: Architecture = { kind: 'dt-recall', dims: 2, width, inChannels: 3, maxIters: 30, blocks: 2 };
  const probe = new DTNet(arch, () => 0.5);
  const specs = probe.weightSpecs();
  probe.dispose();
  const w = new Map<string, Float32Array>();
  for (const s of specs) w.set(s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
  // Kernel [kh,kw,cin,cout] (channels-last), index of (kh,kw,ci,co).
  const set = (name: string, cin: number, cout: number, kh: number, kw: number, ci: number, co: number, v: number) => {
    w.get(name)![((kh * 3 + kw) * cin + ci) * cout + co] = v;
  };
  const R = 0, G = 1, B = 2;
  // Projection: r0 = relu(G − B) = start, O = relu(R + G − B).
  set('projection.0.weight', 3, width, 1, 1, G, 0, 1);
  set('projection.0.weight', 3, width, 1, 1, B, 0, -1);
  for (const [c, v] of [[R, 1], [G, 1], [B, -1]] as const) set('projection.0.weight', 3, width, 1, 1, c, 1, v);
  // Recall conv over [thought (width), x (3)].
  const rc = 'recur_block.0.weight';
  for (const [kh, kw] of [[1, 1], [0, 1], [2, 1], [1, 0], [1, 2]]) set(rc, width + 3, width, kh, kw, 0, 0, 1);
  set(rc, width + 3, width, 1, 1, width + G, 0, 1);
  set(rc, width + 3, width, 1, 1, width + B, 0, -1);
  for (const [c, v] of [[R, 1], [G, 1], [B, -1]] as const) set(rc, width + 3, width, 1, 1, width + c, 1, v);
  if (opts.blink) {
    for (const [c, v] of [[R, 1], [G, 1], [B, -1]] as const) set(rc, width + 3, width, 1, 1, width + c, 3, v);
    set(rc, width + 3, width, 1, 1, 3, 3, -1);
  }
  // Block 1: T = relu(A − O) into channel 2, then −T onto channel 0.
  set('recur_block.1.0.conv1.weight', width, width, 1, 1, 0, 2, 1);
  set('recur_block.1.0.conv1.weight', width, width, 1, 1, 1, 2, -1);
  set('recur_block.1.0.conv2.weight', width, width, 1, 1, 2, 0, -1);
  // Head: r → 32-channel 0 → 8-channel 0 → logit 1.
  set('head.0.weight', width, 32, 1, 1, 0, 0, 1);
  set('head.2.weight', 32, 8, 1, 1, 0, 0, 1);
  set('head.4.weight', 8, 2, 1, 1, 0, 1, 1);
  return new DTNet(arch, w);
}
