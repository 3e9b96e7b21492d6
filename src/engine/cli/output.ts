/**
 * CLI output: human-readable lines and progress bars by default (stderr, so stdout stays clean), or with `--json`
 * exactly one JSON object per line on stdout and no decoration.
 */
import { SingleBar, Presets } from 'cli-progress';

export interface Output {
  readonly json: boolean;
  /** a result record: JSON line in --json mode, else `human(record)` */
  record(obj: object, human?: string): void;
  /** informational text (stderr; silent in --json mode unless it is a warning) */
  info(text: string): void;
  warn(text: string): void;
  progress(total: number, label: string): Progress;
}

export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export function createOutput(json: boolean): Output {
  const tty = !!process.stderr.isTTY;
  return {
    json,
    record(obj, human) {
      process.stdout.write(json ? JSON.stringify(obj) + '\n' : (human ?? JSON.stringify(obj)) + '\n');
    },
    info(text) {
      if (!json) process.stderr.write(text + '\n');
    },
    warn(text) {
      process.stderr.write(`warning: ${text}\n`);
    },
    progress(total, label) {
      if (json || !tty) {
        // Without a terminal, print a line every ~10% instead of redrawing a bar.
        let lastDecile = -1;
        return {
          update(done, payload) {
            const decile = Math.floor((10 * done) / Math.max(1, total));
            if (json || decile === lastDecile) return;
            lastDecile = decile;
            const extra = payload ? ' ' + Object.entries(payload).map(([k, v]) => `${k}=${v}`).join(' ') : '';
            process.stderr.write(`${label}: ${done}/${total}${extra}\n`);
          },
          stop() {},
        };
      }
      const bar = new SingleBar(
        { format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted} {extra}`, stream: process.stderr, hideCursor: true, etaBuffer: 50, etaAsynchronousUpdate: true, fps: 2 },
        Presets.shades_classic,
      );
      bar.start(total, 0, { extra: '' });
      let stopped = false;
      return {
        update(done, payload) {
          const extra = payload ? Object.entries(payload).map(([k, v]) => `${k}=${v}`).join(' ') : '';
          bar.update(done, { extra });
        },
        stop() {
          if (!stopped) bar.stop();
          stopped = true;
        },
      };
    },
  };
}

/** Parses "1,5,30" into [1,5,30]; "auto" stays "auto". Throws naming the flag on bad input. */
export function parseIterations(value: string, flag = '--iterations'): number[] | 'auto' {
  if (value.trim() === 'auto') return 'auto';
  const parts = value.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length === 0 || nums.some((n, i) => !Number.isInteger(n) || n < 1 || parts[i] === '')) {
    throw new Error(`${flag}: expected "auto" or a comma-separated list of positive integers, got "${value}"`);
  }
  return nums;
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${value}"`);
  return n;
}

export function parseNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${flag}: expected a number, got "${value}"`);
  return n;
}
