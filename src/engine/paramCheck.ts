/**
 * Shape checks of JSON-RPC request parameters, so that a client sending the wrong types gets InvalidParams (-32602)
 * with the field named, instead of a JS TypeError from deep inside a handler. Only types are checked here; values
 * (ranges, known problems, existing files) are the handlers' business.
 */
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';

/** `type` or `type?` (optional): string, number, boolean, object, string[], number[], number|auto, number[]|auto. */
export type ParamSpec = Record<string, string>;

const ok: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  object: (v) => !!v && typeof v === 'object' && !Array.isArray(v),
  'string[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  'number[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)),
  'number|auto': (v) => v === 'auto' || (typeof v === 'number' && Number.isFinite(v)),
  'number[]|auto': (v) => v === 'auto' || (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))),
};

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Throws ResponseError(InvalidParams) naming the method and the first field of the wrong type. */
export function checkParams(method: string, params: unknown, spec: ParamSpec): void {
  if (!params || typeof params !== 'object' || Array.isArray(params)) {
    throw new ResponseError(ErrorCodes.InvalidParams, `${method}: parameters must be an object, got ${shown(params)}`);
  }
  const p = params as Record<string, unknown>;
  for (const [field, t] of Object.entries(spec)) {
    const optional = t.endsWith('?');
    const type = optional ? t.slice(0, -1) : t;
    const v = p[field];
    if (v === undefined || v === null) {
      if (optional) continue;
      throw new ResponseError(ErrorCodes.InvalidParams, `${method}: "${field}" is required (${type})`);
    }
    if (!ok[type](v)) throw new ResponseError(ErrorCodes.InvalidParams, `${method}: "${field}" must be ${type}, got ${shown(v)}`);
  }
}
