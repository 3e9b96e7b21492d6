/**
 * The feed-forward baseline (Bansal et al. 2022, §4): the same blocks as DT-recall, but *untied* — a separate
 * copy of the recurrent block for each of `maxIters` iterations. It has a fixed depth, so it cannot think longer
 * than it was trained to; `think` stops at its depth.
 */
import type { Architecture } from '../../shared/architecture';
import { DTNet, recurrentBlockSpecs, type WeightSpec } from './dtNet';

export class FeedForwardNet extends DTNet {
  constructor(arch: Architecture, init?: Map<string, Float32Array> | (() => number)) {
    super(arch, init);
  }

  protected override recurrentSpecs(): WeightSpec[] {
    const specs: WeightSpec[] = [];
    for (let i = 0; i < this.arch.maxIters; i++) specs.push(...recurrentBlockSpecs(this.arch, `layers.${i}`));
    return specs;
  }

  protected override blockPrefix(i: number): string {
    return `layers.${i}`;
  }

  override get depth(): number {
    return this.arch.maxIters;
  }
}
