/** `deep-thinking train`: progressive-loss training with a progress bar, cancellable with Ctrl-C. */
import * as os from 'node:os';
import { architectureOf, resolveTrainConfig, train, type TrainConfig } from '../train/trainer';
import { annotateCheckpoint } from '../checkpoint';
import { backendInfo } from '../tf';
import type { ProblemId } from '../../shared/problems/problem';
import { validateArchitecture, type ModelKind } from '../../shared/architecture';
import type { Output } from './output';

export interface TrainCliOptions {
  problem: ProblemId;
  model: ModelKind;
  width?: number;
  maxIters?: number;
  alpha?: number;
  epochs?: number;
  trainSize?: number;
  size?: number;
  valSize?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: 'adam' | 'sgd';
  /** commander's --no-lr-throttle: false when given, else undefined/true (then the problem's default applies) */
  lrThrottle?: boolean;
  seed: number;
  threads?: number;
  csv?: string;
  minRating?: number;
  maxRating?: number;
  profile: 'cpu' | 'paper';
  resume: boolean;
  init?: string;
  out: string;
}

/** The architecture the flags ask for, checked against the engine's bounds with the flag named in the error. */
function checkArchitectureFlags(config: TrainConfig): void {
  const arch = architectureOf(resolveTrainConfig(config));
  const flags: Record<string, string> = { width: '--width', maxIters: '--max-iters', blocks: 'blocks' };
  try {
    validateArchitecture(arch, 'train');
  } catch (e) {
    const m = /invalid architecture: (\w+) (.*)$/.exec((e as Error).message);
    if (m && flags[m[1]]) throw new RangeError(`${flags[m[1]]} ${m[2]}`);
    throw new RangeError(`--width ${arch.width}, --max-iters ${arch.maxIters}: ${(e as Error).message.replace(/^train: invalid architecture: /, '')}`);
  }
}

export async function runTrain(out: Output, o: TrainCliOptions): Promise<void> {
  const config: TrainConfig = {
    problem: o.problem,
    model: o.model,
    width: o.width,
    maxIters: o.maxIters,
    alpha: o.alpha,
    epochs: o.epochs,
    trainSize: o.trainSize,
    size: o.size,
    valSize: o.valSize,
    batchSize: o.batchSize,
    lr: o.lr,
    optimizer: o.optimizer,
    // Only an explicit --no-lr-throttle overrides the problem's default (the throttle is the paper's maze recipe).
    lrThrottle: o.lrThrottle === false ? false : undefined,
    seed: o.seed,
    threads: o.threads,
    csv: o.csv,
    minRating: o.minRating,
    maxRating: o.maxRating,
    profile: o.profile,
    resume: o.resume,
    initFrom: o.init,
    outDir: o.out,
  };
  for (const k of Object.keys(config) as (keyof TrainConfig)[]) if (config[k] === undefined) delete config[k];
  checkArchitectureFlags(config);

  // Ctrl-C stops at the next step and still writes the checkpoint; a second Ctrl-C exits at once.
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    out.warn('stopping after this step (Ctrl-C again to quit now)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  let bar: ReturnType<Output['progress']> | undefined;
  try {
    const result = await train(config, {
      token: abort.signal,
      log: (m) => out.info(m),
      onProgress: (e) => {
        if (out.json) {
          out.record({ event: e.kind, ...e });
          return;
        }
        bar ??= out.progress(e.totalSteps, 'train');
        bar.update(e.step, {
          epoch: `${e.epoch}/${e.epochs}`,
          loss: e.loss.toFixed(4),
          acc: (100 * e.accuracy).toFixed(1) + '%',
          ...(e.valAccuracy !== undefined ? { val: (100 * e.valAccuracy).toFixed(1) + '%' } : {}),
          ...(e.extrapolationAccuracy !== undefined ? { extrap: (100 * e.extrapolationAccuracy).toFixed(1) + '%' } : {}),
          'samples/s': e.throughput.toFixed(0),
        });
      },
    });
    bar?.stop();
    // Issue #5: every checkpoint records how it was made.
    if (result.bestDir) {
      await annotateCheckpoint(result.bestDir, {
        command: ['deep-thinking', ...process.argv.slice(2)].join(' '),
        hardware: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()} cores, ${backendInfo().description}, ${result.threads} thread(s)`,
        trainingSeconds: Math.round(result.seconds),
      });
    }
    const summary = {
      event: 'done',
      out: result.bestDir ?? o.out,
      cancelled: result.cancelled,
      epochs: result.epochsCompleted,
      steps: result.steps,
      bestEpoch: result.bestEpoch,
      bestMetric: result.bestMetric,
      seconds: Math.round(result.seconds),
      threads: result.threads,
    };
    out.record(
      summary,
      `${result.cancelled ? 'cancelled' : 'done'}: ${result.steps} steps in ${summary.seconds}s; best epoch ${result.bestEpoch} ` +
        `(selection accuracy ${(100 * result.bestMetric).toFixed(1)}%) → ${summary.out}`,
    );
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }
}
