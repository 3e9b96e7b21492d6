/**
 * Pieces shared by the panel protocols (prefix sums, chess, sidebar): the model list a panel shows, and small
 * checkers for validating messages that arrive from a webview. A webview is untrusted input (it renders data
 * from files), so every field is checked for type and range before a handler sees it.
 */
import type { ModelKind } from '../../architecture';
import type { ProblemId } from '../../problems/problem';
import { isProblemId } from '../../problems/problem';
import type { ModelSummary } from '../engine';

/** What a panel needs to know about a model to list it and pick iterations. */
export interface ModelOption {
  spec: string;
  name: string;
  problem: ProblemId;
  kind: ModelKind;
  source: ModelSummary['source'];
  width: number;
  /** iterations used in training (the natural default for "think for n iterations") */
  maxIters: number;
  parameters?: number;
}

export function toModelOption(m: ModelSummary): ModelOption {
  return {
    spec: m.spec,
    name: m.name,
    problem: m.problem,
    kind: m.architecture.kind,
    source: m.source,
    width: m.architecture.width,
    maxIters: m.architecture.maxIters,
    parameters: m.parameters,
  };
}

/** Short label: "dt-recall w128 · name". */
export function modelLabel(m: Pick<ModelOption, 'kind' | 'width' | 'name'>): string {
  return `${m.name} (${m.kind}, w${m.width})`;
}

// ---- validation helpers ------------------------------------------------------------------------------------
// Each returns an error string naming the field, or undefined when the value is fine.

export type Check = (value: unknown, field: string) => string | undefined;

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function checkObject(value: unknown, where: string, fields: Record<string, Check>, optional: readonly string[] = []): string | undefined {
  if (!isObject(value)) return `${where}: expected an object`;
  for (const [name, check] of Object.entries(fields)) {
    if (!(name in value) || value[name] === undefined) {
      if (optional.includes(name)) continue;
      return `${where}: missing field "${name}"`;
    }
    const err = check(value[name], `${where}.${name}`);
    if (err) return err;
  }
  return undefined;
}

export const str =
  (max = 4096, pattern?: RegExp): Check =>
  (v, f) => {
    if (typeof v !== 'string') return `${f}: expected a string`;
    if (v.length > max) return `${f}: longer than ${max} characters`;
    if (pattern && !pattern.test(v)) return `${f}: does not match ${pattern}`;
    return undefined;
  };

export const int =
  (min: number, max: number): Check =>
  (v, f) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? undefined : `${f}: expected an integer in ${min}…${max}`;

export const oneOf =
  <T>(...values: readonly T[]): Check =>
  (v, f) =>
    values.includes(v as T) ? undefined : `${f}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;

export const problemId: Check = (v, f) => (isProblemId(v) ? undefined : `${f}: unknown problem ${JSON.stringify(v)}`);

/** Iterations a panel may ask for: a count (1…MAX_PANEL_ITERATIONS) or 'auto' (the engine halts). */
export const MAX_PANEL_ITERATIONS = 2000;
export const iterations: Check = (v, f) => (v === 'auto' ? undefined : int(1, MAX_PANEL_ITERATIONS)(v, f));

export const empty: Check = (v, f) => (v === undefined || v === null || isObject(v) ? undefined : `${f}: expected an object`);

/**
 * Build a Messenger validator from a table: message type → check of its payload. Unknown types are rejected, so a
 * webview cannot reach a handler the table does not list.
 */
export function tableValidator(table: Record<string, Check>): (type: string, value: unknown) => string | undefined {
  return (type, value) => {
    const check = Object.prototype.hasOwnProperty.call(table, type) ? table[type] : undefined;
    if (!check) return `unknown message type "${type}"`;
    return check(value, type);
  };
}

// ---- host → page checks (defence in depth: a page renders what it is sent, so it checks it first) ------------

/** A number; null too, which is what JSON makes of NaN and ±Infinity. */
export const num: Check = (v, f) => (typeof v === 'number' || v === null ? undefined : `${f}: expected a number`);
export const bool: Check = (v, f) => (typeof v === 'boolean' ? undefined : `${f}: expected a boolean`);
export const bytes: Check = (v, f) => (v instanceof Uint8Array || (Array.isArray(v) && v.every((x) => typeof x === 'number')) || isObject(v) ? undefined : `${f}: expected bytes`);
export const arrayOf =
  (item: Check, max = 1_000_000): Check =>
  (v, f) => {
    if (!Array.isArray(v)) return `${f}: expected an array`;
    if (v.length > max) return `${f}: more than ${max} items`;
    for (let i = 0; i < v.length; i++) {
      const err = item(v[i], `${f}[${i}]`);
      if (err) return err;
    }
    return undefined;
  };
export const anyObject: Check = (v, f) => (isObject(v) ? undefined : `${f}: expected an object`);

export const modelOption: Check = (v, f) =>
  checkObject(v, f, { spec: str(), name: str(), problem: problemId, kind: str(64), source: str(64), width: num, maxIters: num, parameters: num }, ['parameters']);

/** `{ models: ModelOption[], selected: string }`, what the panels' init and models events carry. */
export const modelsPayload: Check = (v, f) => checkObject(v, f, { models: arrayOf(modelOption, 10_000), selected: str() });
