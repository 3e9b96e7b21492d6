/**
 * The OpenMP wait policy the addon's libgomp starts with.
 *
 * libgomp reads OMP_WAIT_POLICY once, when the addon loads it. Its default spins a worker for a while after each
 * parallel region before it sleeps; PyTorch runs that way. Spinning wins on an idle machine (a training step on 2
 * idle cores: 280 ms spinning against 347 ms sleeping, docs/training-step.md) and is ruinous on a busy one, where
 * the spinning workers take the cores the other processes need (1.6–10.8 s against 0.75 s at load 6). So the engine
 * keeps libgomp's default when the cores its threads will use are idle as it loads the addon, and makes the workers
 * sleep (PASSIVE) otherwise. A value set in the environment always wins.
 */
import * as os from 'node:os';

export interface WaitPolicyChoice {
  /** the value to put in OMP_WAIT_POLICY, or undefined to leave libgomp's default (spin, then sleep) */
  readonly policy: 'PASSIVE' | undefined;
  /** a few words for the backend's description */
  readonly why: string;
}

/**
 * Decide from the environment's value, how many cores other work keeps busy right now, the core count and the
 * intra-op thread count. Spinning needs a core per thread, with a quarter core of slack for everything else.
 */
export function chooseWaitPolicy(envValue: string | undefined, busyCores: number, cores: number, threads: number): WaitPolicyChoice {
  if (envValue !== undefined) return { policy: undefined, why: `OMP_WAIT_POLICY=${envValue || '(empty)'} from the environment` };
  const busy = `${busyCores.toFixed(1)} of ${cores} cores busy`;
  if (busyCores + Math.min(threads, cores) <= cores + 0.25) return { policy: undefined, why: `threads spin as PyTorch's do (${busy})` };
  return { policy: 'PASSIVE', why: `OMP_WAIT_POLICY=PASSIVE (${busy})` };
}

/** Cores in use over the last `ms` milliseconds, from the kernel's per-core counters (blocks the thread for `ms`). */
export function sampleBusyCores(ms = 100): number {
  const read = () => os.cpus().reduce((a, c) => {
    const t = c.times;
    return { idle: a.idle + t.idle, total: a.total + t.user + t.nice + t.sys + t.idle + t.irq };
  }, { idle: 0, total: 0 });
  const before = read();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const after = read();
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return ((total - (after.idle - before.idle)) / total) * os.cpus().length;
}
