/**
 * A small, *non-executing* Python pickle reader: enough of protocols 2–4 for what `torch.save` writes.
 *
 * Why our own: the paper's checkpoints (aks2203/deep-thinking) are `torch.save`d pickles, and no npm package reads
 * them without Python. A real unpickler imports and calls arbitrary globals; this one never does. A GLOBAL only
 * produces a `PyGlobal` marker, and REDUCE/NEWOBJ on a marker either goes to the caller's `reduce` hook (the torch
 * importer handles `_rebuild_tensor_v2` and friends) or yields an inert `PyObject` that records what *would* have been
 * called. So a hostile file can at worst produce an error, never run code.
 *
 * Values: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number, str → string,
 * bytes → Uint8Array, list → array, tuple → PyTuple, dict / OrderedDict → Map.
 *
 * Opcode reference: CPython Lib/pickletools.py.
 */

/** A `module.name` reference read by GLOBAL / STACK_GLOBAL. Inert: nothing is imported. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    /** byte offset of the opcode that named it, for error messages */
    readonly offset: number,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** What REDUCE/NEWOBJ of a global would have built, when no hook handles it. `state` is set by BUILD. */
export class PyObject {
  state: unknown = undefined;
  constructor(
    readonly callable: PyGlobal,
    readonly args: unknown[],
    readonly offset: number,
  ) {}
}

/** A Python tuple (kept distinct from lists because torch's rebuild functions take tuples). */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

export type PyDict = Map<unknown, unknown>;

export class PickleError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'PickleError';
  }
}

export interface UnpickleOptions {
  /** Name used in error messages (e.g. "model.pth/archive/data.pkl"). */
  file: string;
  /** BINPERSID / PERSID: turn a persistent id (torch: a storage tuple) into a value. */
  persistentLoad?: (pid: unknown, offset: number) => unknown;
  /**
   * REDUCE / NEWOBJ on a global. Return the built value, or `undefined` to leave an inert `PyObject`.
   * Throwing is fine: the error is re-thrown with the file and offset added.
   */
  reduce?: (callable: PyGlobal, args: unknown[], offset: number) => unknown;
}

/** Opcode names for error messages (CPython pickletools). */
const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2',
  0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

export function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? 'unknown';
}

const MARK = Symbol('mark');
const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Unpickle `bytes`. Throws `PickleError` naming the file, the opcode and its byte offset. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let opStart = 0;
  let op = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string): never => {
    throw new PickleError(opts.file, opStart, `pickle opcode 0x${op.toString(16).padStart(2, '0')} (${opcodeName(op)}) at byte ${opStart}: ${msg}`);
  };
  const need = (n: number): void => {
    if (pos + n > bytes.length) fail(`truncated: needs ${n} more byte(s) but the data ends at byte ${bytes.length}`);
  };
  const u8 = (): number => (need(1), bytes[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = (): number => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated: missing end of line');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const str = (n: number): string => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('invalid UTF-8 in string');
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop();
    if (v === MARK) fail('unexpected MARK on the stack');
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) fail('no MARK to pop to');
    stack = prev!;
    return items;
  };
  const asDict = (v: unknown): PyDict => {
    if (v instanceof Map) return v;
    return fail(`expected a dict on the stack, got ${describe(v)}`);
  };
  const asList = (v: unknown): unknown[] => {
    if (Array.isArray(v)) return v;
    return fail(`expected a list on the stack, got ${describe(v)}`);
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) fail(`memo index ${i} was never stored`);
    return memo.get(i);
  };
  const callReduce = (callable: unknown, args: unknown[]): unknown => {
    if (!(callable instanceof PyGlobal)) return fail(`cannot call ${describe(callable)}`);
    let built: unknown;
    try {
      built = builtinReduce(callable, args) ?? opts.reduce?.(callable, args, opStart);
    } catch (e) {
      if (e instanceof PickleError) throw e;
      fail(`${callable.qualname}: ${(e as Error).message}`);
    }
    return built === undefined ? new PyObject(callable, args, opStart) : built;
  };

  for (;;) {
    if (pos >= bytes.length) {
      opStart = pos;
      throw new PickleError(opts.file, pos, `pickle data ends at byte ${pos} without a STOP opcode (truncated file?)`);
    }
    opStart = pos;
    op = bytes[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) fail(`unsupported pickle protocol ${v}`);
        break;
      }
      case 0x95: // FRAME (protocol 4): an 8-byte frame length we can ignore, frames are contiguous in memory
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length === 0) fail('nothing on the stack at STOP');
        return pop();
      case 0x28: // MARK
        // torch.save nests a few levels; a bound keeps a hostile file from building values too deep to print.
        if (metastack.length >= MAX_MARK_DEPTH) fail(`MARKs nested deeper than ${MAX_MARK_DEPTH}`);
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length === 0) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;

      // ---- constants
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(decodeLong(take(u8()))); break; // LONG1: at most 255 bytes
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        // torch.save writes ints (sizes, strides, offsets, epochs) that fit in 8 bytes; a huge LONG4 is only ever an
        // attempt to make the reader spin on bignum arithmetic.
        if (n > MAX_LONG_BYTES) fail(`LONG4 of ${n} bytes; checkpoints never need integers longer than ${MAX_LONG_BYTES} bytes`);
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x47: // BINFLOAT: big-endian IEEE double
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;

      // ---- strings and bytes
      case 0x58: stack.push(str(u32())); break; // BINUNICODE
      case 0x8c: stack.push(str(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(str(u64())); break; // BINUNICODE8
      case 0x54: { // BINSTRING (Python 2 str): bytes read as latin-1
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1.decode(take(n)));
        break;
      }
      case 0x55: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(take(u64()).slice()); break; // BINBYTES8

      // ---- containers
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: { // TUPLE. (popMark replaces `stack`, so it must run before `stack.push` is looked up.)
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x6c: { // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x64: { // DICT
        const items = popMark();
        const d: PyDict = new Map();
        if (items.length % 2) fail('odd number of items for DICT');
        for (let i = 0; i < items.length; i += 2) d.set(dictKey(items[i]), items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        asList(top()).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        asList(top()).push(...items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        asDict(top()).set(dictKey(k), v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('odd number of items for SETITEMS');
        const d = asDict(top());
        for (let i = 0; i < items.length; i += 2) d.set(dictKey(items[i]), items[i + 1]);
        break;
      }

      // ---- memo
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x70: memo.set(parseIntLine(line(), fail), top()); break; // PUT (text)
      case 0x67: stack.push(memoGet(parseIntLine(line(), fail))); break; // GET (text)

      // ---- objects
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(new PyGlobal(module, name, opStart));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(new PyGlobal(module as string, name as string, opStart));
        break;
      }
      case 0x52: { // REDUCE: callable(*args)
        const args = pop();
        const callable = pop();
        if (!(args instanceof PyTuple)) fail(`REDUCE arguments must be a tuple, got ${describe(args)}`);
        stack.push(callReduce(callable, (args as PyTuple).items));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail(`NEWOBJ arguments must be a tuple, got ${describe(args)}`);
        stack.push(callReduce(cls, (args as PyTuple).items));
        break;
      }
      case 0x62: { // BUILD: obj.__setstate__(state)
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject) obj.state = state;
        else if (obj instanceof Map) {
          // OrderedDict state: torch's state_dict carries a `_metadata` attribute (version numbers per module).
          // It does not affect the weights, so it is dropped.
        } else fail(`cannot BUILD ${describe(obj)}`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent id found but no persistent loader was given');
        try {
          stack.push(opts.persistentLoad!(pid, opStart));
        } catch (e) {
          if (e instanceof PickleError) throw e;
          fail((e as Error).message);
        }
        break;
      }
      case 0x50: { // PERSID (text)
        const pid = line();
        if (!opts.persistentLoad) fail('persistent id found but no persistent loader was given');
        stack.push(opts.persistentLoad!(pid, opStart));
        break;
      }
      default:
        fail(
          OPCODE_NAMES[op]
            ? 'this opcode is not supported by the checkpoint reader (torch.save never writes it)'
            : 'not a pickle opcode (corrupt file, or not a pickle)',
        );
    }
  }
}

/** Deepest MARK nesting accepted. */
export const MAX_MARK_DEPTH = 1000;

/** Longest LONG4 payload accepted (LONG1 is bounded by its 1-byte length). */
export const MAX_LONG_BYTES = 1024;

/**
 * Python ints from LONG1/LONG4: little-endian two's complement. Linear in the length: the bytes become one hex
 * string and one BigInt, instead of a shift-and-or per byte (quadratic, as every step copies the whole bignum).
 */
export function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let hex = '';
  for (let i = b.length - 1; i >= 0; i--) hex += HEX[b[i]];
  let v = BigInt('0x' + hex);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function parseIntLine(s: string, fail: (m: string) => never): number {
  const n = Number(s.trim().replace(/L$/, ''));
  if (!Number.isInteger(n)) fail(`expected an integer, got ${JSON.stringify(s)}`);
  return n;
}

/** Dict keys: strings and numbers compare by value in a JS Map, which is what Python does for them. */
function dictKey(k: unknown): unknown {
  return typeof k === 'bigint' && k >= BigInt(Number.MIN_SAFE_INTEGER) && k <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(k) : k;
}

/** Globals that are plain data, built without any hook. */
function builtinReduce(callable: PyGlobal, args: unknown[]): unknown {
  if (callable.qualname === 'collections.OrderedDict') {
    // OrderedDict() or OrderedDict([(k, v), ...]); torch writes the former and fills it with SETITEMS.
    const d: PyDict = new Map();
    const init = args[0];
    if (Array.isArray(init)) {
      for (const pair of init) if (pair instanceof PyTuple && pair.items.length === 2) d.set(dictKey(pair.items[0]), pair.items[1]);
    }
    return d;
  }
  return undefined;
}

/** Short human description of a pickle value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyGlobal) return `global ${v.qualname} (byte ${v.offset})`;
  if (v instanceof PyObject) return `an object built by ${v.callable.qualname} (byte ${v.offset})`;
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof Map) return `a dict of ${v.size}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  if (typeof v === 'bigint') {
    // Printing a huge int costs time quadratic in its length; its size says enough.
    const bits = (v < 0n ? -v : v).toString(2).length;
    return bits > 64 ? `an int of ${bits} bits` : `int ${v}`;
  }
  return `${typeof v} ${String(v)}`;
}
