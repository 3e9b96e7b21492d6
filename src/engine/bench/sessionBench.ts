/**
 * `deep-thinking bench session --size N`: a maze solved the way the editor solves it — through SolveSession, with
 * frames streamed (throttled to `fps`, within the frame budget) — so the cost of streaming and the engine the
 * editor ends up on (tiles on onnxruntime-node, or tfjs tensors) are measured, not assumed ("the
 * per-iteration stream for the editor that does not slow the solve"). Run it twice, with `fps` 30 and with a
 * negligible rate, to see what the stream costs.
 */
import { generateMaze } from '../../shared/maze/mazeGenerator';
import { serializeMaze } from '../../shared/maze/mazeFormat';
import { mazeImageSize } from '../../shared/problems/maze';
import { shortestPath } from '../../shared/maze/bfs';
import { loadModel } from '../checkpoint/modelSpecs';
import { SolveSession } from '../solve/solveSession';
import { tf } from '../tf';
import type { PrecisionChoice } from '../solve/precision';
import type { ThinkEngine } from '../tiles/pickKernels';
import type { WarmStartOptions } from '../solve/warmStartThinking';

export interface SessionBenchOptions {
  size: number;
  seed?: number;
  /** model spec (default: the bundled 'mazes') */
  modelSpec?: string;
  iterations: number | 'auto';
  /** cap for 'auto' (default: the session's, from the image size) */
  maxIterations?: number;
  thinking?: 'auto' | 'dense' | 'tiles';
  /** SolveSessionOptions.tileEngine (default 'auto') */
  engine?: ThinkEngine;
  /** SolveSessionOptions.precision (default 'auto', as the editor) */
  precision?: PrecisionChoice;
  /** stop thinking after this many seconds (as the editor's Stop) and report what was reached */
  maxSeconds?: number;
  /** frames per second streamed (default 30, the editor's) */
  fps?: number;
  /** SolveSessionOptions.warmStart (default: the session's) */
  warmStart?: WarmStartOptions;
  log?: (line: string) => void;
  /** a line every `progressMs` (default 5 s) while thinking: iteration reached and elapsed time */
  onProgress?: (line: string) => void;
  progressMs?: number;
}

export interface SessionBenchResult {
  size: number;
  image: [number, number];
  engine: string;
  iterations: number;
  haltedAt?: number;
  ms: number;
  msPerIteration: number;
  fps: number;
  frames: number;
  correctVsBFS: boolean;
  /** cells where the final picture disagrees with BFS's path (on it but not predicted, or predicted but off it) */
  wrongCells: number;
  /** cells on BFS's shortest path */
  pathCells: number;
  /** stopped by maxSeconds before halting */
  stopped: boolean;
  peakRssMB: number;
  tensorLeak: number;
}

export async function benchSession(o: SessionBenchOptions): Promise<SessionBenchResult> {
  const grid = generateMaze(o.size, o.seed ?? 7);
  const { model, meta, path } = await loadModel(o.modelSpec ?? 'mazes');
  try {
    if (meta.problem !== 'mazes') throw new Error(`${path}: a ${meta.problem} model cannot solve mazes`);
    const tensorsBefore = tf.memory().numTensors;
    const session = new SolveSession('bench', model, { thinking: o.thinking ?? 'auto', precision: o.precision ?? 'auto', tileEngine: o.engine, warmStart: o.warmStart, log: o.log, halting: o.maxIterations ? { maxIterations: o.maxIterations } : undefined });
    const fps = o.fps ?? 30;
    let frames = 0;
    const t0 = performance.now();
    let lastProgress = 0;
    const token = o.maxSeconds === undefined ? undefined : AbortSignal.timeout(1000 * o.maxSeconds);
    const r = await session.solve(
      { sessionId: 'bench', model: o.modelSpec ?? 'mazes', input: { problem: 'mazes', text: serializeMaze(grid) }, iterations: o.iterations, maxFps: fps },
      (frame) => {
        frames++;
        const now = performance.now() - t0;
        if (!o.onProgress || now - lastProgress < (o.progressMs ?? 5000)) return;
        lastProgress = now;
        o.onProgress(`iteration ${frame.iteration}: ${((1000 * frame.iteration) / now).toFixed(1)} it/s, ${(now / 1000).toFixed(0)} s`);
      },
      token,
    );
    session.dispose();
    const { height: h, width: w } = mazeImageSize(grid);
    return {
      size: o.size,
      image: [h, w],
      engine: r.engine ?? '?',
      iterations: r.iterations,
      haltedAt: r.haltedAt,
      ms: Math.round(r.ms),
      msPerIteration: r.ms / Math.max(1, r.iterations),
      fps,
      frames,
      correctVsBFS: r.correct,
      wrongCells: r.wrongCells?.length ?? 0,
      pathCells: shortestPath(grid)?.length ?? 0,
      stopped: r.cancelled,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      tensorLeak: tf.memory().numTensors - tensorsBefore,
    };
  } finally {
    model.dispose();
  }
}

export function formatSessionBench(r: SessionBenchResult): string {
  return [
    `maze ${r.size}×${r.size} (${r.image[0]}×${r.image[1]} px) solved as the editor does, on ${r.engine}`,
    `${r.iterations} iterations${r.haltedAt !== undefined ? ` (auto halted at ${r.haltedAt})` : ''}${r.stopped ? ' (stopped: --max-seconds)' : ''} in ${(r.ms / 1000).toFixed(2)} s: ` +
      `${r.msPerIteration.toFixed(2)} ms/iteration; ${r.frames} frames streamed (at most ${r.fps}/s)`,
    `correct vs BFS: ${r.correctVsBFS}${r.correctVsBFS ? '' : ` (${r.wrongCells} wrong cells; BFS path ${r.pathCells} cells)`}; peak rss ${r.peakRssMB} MB; tensor leak ${r.tensorLeak}`,
  ].join('\n');
}
