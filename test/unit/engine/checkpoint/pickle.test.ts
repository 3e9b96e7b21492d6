import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PickleError, PyGlobal, PyObject, PyTuple, unpickle } from '../../../../src/engine/checkpoint/pickle';

// Oracle: bytes written by CPython 3.11's pickle.dumps for
//   shared = [7, 8]
//   obj = {'ints': [0, 1, -2, 255, 256, 65535, 65536, -70000, 2**31-1, 2**40, -2**70], 'floats': [1.5, -0.1, 1e300],
//          'consts': [None, True, False], 'strs': ('x', 'üé€𝄞', ''), 'od': OrderedDict([('k', 1), ('j', 2)]),
//          's1': shared, 's2': shared, 3: 'int key', 'tuples': ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4))}
// protocol 2 as is; protocol 4 with obj['bytes'] = b'\x00\x01\xff' added.
const P2 =
  '80027d7100285804000000696e747371015d7102284b004b014afeffffff4bff4d00014dffff4a000001004a90eefeff4affffff7f8a060000000000018a090000000000000000c0655806000000666c6f61747371035d710428473ff800000000000047bfb999999999999a477e37e43c8800759c655806000000636f6e73747371055d7106284e88896558040000007374727371075801000000787108580b000000c3bcc3a9e282acf09d849e71095800000000710a87710b58020000006f64710c63636f6c6c656374696f6e730a4f726465726564446963740a710d2952710e2858010000006b710f4b0158010000006a71104b02755802000000733171115d7112284b074b086558020000007332711368124b035807000000696e74206b6579711458060000007475706c6573711528294b018571164b014b028671174b014b024b03877118284b014b024b034b0474711974711a752e';
const P4 =
  '80049525010000000000007d94288c04696e7473945d94284b004b014afeffffff4bff4d00014dffff4a000001004a90eefeff4affffff7f8a060000000000018a090000000000000000c0658c06666c6f617473945d9428473ff800000000000047bfb999999999999a477e37e43c8800759c658c06636f6e737473945d94284e8889658c0473747273948c0178948c0bc3bcc3a9e282acf09d849e948c009487948c026f64948c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c016b944b018c016a944b02758c027331945d94284b074b08658c0273329468144b038c07696e74206b6579948c067475706c65739428294b0185944b014b0286944b014b024b038794284b014b024b034b04749474948c0562797465739443030001ff94752e';

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
const tup = (v: unknown) => (v as PyTuple).items;

function checkCommon(d: Map<unknown, unknown>): void {
  assert.deepEqual(d.get('ints'), [0, 1, -2, 255, 256, 65535, 65536, -70000, 2 ** 31 - 1, 2 ** 40, -(2n ** 70n)]);
  assert.deepEqual(d.get('floats'), [1.5, -0.1, 1e300]);
  assert.deepEqual(d.get('consts'), [null, true, false]);
  assert.deepEqual(tup(d.get('strs')), ['x', 'üé€𝄞', '']);
  assert.deepEqual([...(d.get('od') as Map<unknown, unknown>)], [['k', 1], ['j', 2]]);
  assert.equal(d.get('s1'), d.get('s2'), 'the memo must give back the same list object');
  assert.deepEqual(d.get('s1'), [7, 8]);
  assert.equal(d.get(3), 'int key');
  assert.deepEqual((tup(d.get('tuples')) as PyTuple[]).map((t) => t.items), [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]]);
}

test('protocol 2 pickle written by CPython', () => {
  const d = unpickle(hex(P2), { file: 'p2.pkl' }) as Map<unknown, unknown>;
  assert.ok(d instanceof Map);
  checkCommon(d);
  assert.deepEqual([...d.keys()], ['ints', 'floats', 'consts', 'strs', 'od', 's1', 's2', 3, 'tuples']);
});

test('protocol 4 pickle written by CPython (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE, bytes)', () => {
  const d = unpickle(hex(P4), { file: 'p4.pkl' }) as Map<unknown, unknown>;
  checkCommon(d);
  assert.deepEqual(d.get('bytes'), Uint8Array.from([0, 1, 255]));
});

test('globals are inert: unknown REDUCE gives a PyObject, hooks see the call', () => {
  // c os\nsystem\n (X 'echo hi' t R .   — would run a command in a real unpickler
  const enc = (s: string) => [...new TextEncoder().encode(s)];
  const bytes = Uint8Array.from([0x80, 2, 0x63, ...enc('os\nsystem\n'), 0x28, 0x58, 7, 0, 0, 0, ...enc('echo hi'), 0x74, 0x52, 0x2e]);
  const v = unpickle(bytes, { file: 'evil.pkl' });
  assert.ok(v instanceof PyObject);
  assert.equal((v as PyObject).callable.qualname, 'os.system');
  assert.deepEqual((v as PyObject).args, ['echo hi']);
  const seen: string[] = [];
  const hooked = unpickle(bytes, { file: 'evil.pkl', reduce: (fn: PyGlobal, args) => (seen.push(fn.qualname), `called with ${args[0]}`) });
  assert.equal(hooked, 'called with echo hi');
  assert.deepEqual(seen, ['os.system']);
});

test('errors name the file, opcode and byte offset', () => {
  const err = (bytes: number[], re: RegExp) => {
    assert.throws(() => unpickle(Uint8Array.from(bytes), { file: 'x.pkl' }), (e: unknown) => {
      assert.ok(e instanceof PickleError);
      assert.match((e as Error).message, re);
      return true;
    });
  };
  err([0x80, 2, 0xff], /^x\.pkl: pickle opcode 0xff \(unknown\) at byte 2: not a pickle opcode/);
  err([0x80, 2, 0x49, 0x31, 0x0a, 0x2e], /opcode 0x49 \(INT\) at byte 2: this opcode is not supported/);
  err([0x80, 2, 0x58, 10, 0, 0, 0, 0x41], /opcode 0x58 \(BINUNICODE\) at byte 2: truncated/);
  err([0x80, 2, 0x68, 5, 0x2e], /BINGET\) at byte 2: memo index 5 was never stored/);
  err([0x80, 2, 0x4e], /ends at byte 3 without a STOP/);
  err([0x80, 2, 0x74], /TUPLE\) at byte 2: no MARK/);
  err([0x80, 2, 0x51, 0x2e], /BINPERSID\) at byte 2: stack underflow/);
});
