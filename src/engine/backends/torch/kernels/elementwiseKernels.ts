/**
 * Elementwise kernels: the addon's unary/binary tables (native/src/elementwise.cc) by tfjs kernel name, plus the
 * few with attributes. Output shapes and dtypes follow tfjs (broadcast shape; comparisons → bool; float functions
 * of ints → float32) and are passed to the addon, which casts when libtorch's own promotion differs.
 */
import { backend_util, upcastType, type DataType, type KernelConfig } from '@tensorflow/tfjs-core';
import { dtypeCode, type TorchAddon } from '../nativeAddon';
import { kernel, listInputs } from './kernel';

/** Unary ops whose output keeps the input dtype; the others give float32 (or bool, below). */
const SAME_DTYPE = new Set(['Abs', 'Neg', 'Relu', 'Relu6', 'Square', 'Sign', 'Floor', 'Ceil', 'Round', 'ZerosLike', 'OnesLike']);
const BOOL_OUT = new Set(['IsFinite', 'IsInf', 'IsNan', 'LogicalNot', 'Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr']);
const FLOAT_OUT = new Set(['RealDiv', 'Atan2', 'EluGrad', 'DtReluGrad']);
/** Binary ops whose tfjs inputs are not named (a, b). DtReluGrad is ours (reluGrad.ts). */
const INPUT_NAMES: Record<string, [string, string]> = { Prelu: ['x', 'alpha'], EluGrad: ['dy', 'y'], DtReluGrad: ['dy', 'x'] };

function unaryDtype(name: string, x: DataType): DataType {
  if (BOOL_OUT.has(name)) return 'bool';
  return SAME_DTYPE.has(name) ? x : 'float32';
}

function binaryDtype(name: string, a: DataType, b: DataType): DataType {
  if (BOOL_OUT.has(name)) return 'bool';
  if (FLOAT_OUT.has(name)) return 'float32';
  return upcastType(a, b);
}

export function elementwiseKernels(addon: TorchAddon): KernelConfig[] {
  const configs: KernelConfig[] = [];
  addon.unaryOps.forEach((name, op) => {
    configs.push(
      kernel(name, ({ x }, _attrs, b) => {
        const dtype = unaryDtype(name, x.dtype);
        return b.output(addon.unary(op, b.nid(x), dtypeCode(dtype)), x.shape, dtype);
      }),
    );
  });
  const scalarOp = (name: string) => addon.unaryScalarOps.indexOf(name);
  const step = scalarOp('Step');
  const leaky = scalarOp('LeakyRelu');
  configs.push(
    kernel('Step', ({ x }, attrs, b) => b.output(addon.unaryScalar(step, b.nid(x), (attrs.alpha as number) ?? 0, dtypeCode(x.dtype)), x.shape, x.dtype)),
    kernel('LeakyRelu', ({ x }, attrs, b) => b.output(addon.unaryScalar(leaky, b.nid(x), attrs.alpha as number, dtypeCode(x.dtype)), x.shape, x.dtype)),
  );
  addon.binaryOps.forEach((name, op) => {
    const [ka, kb] = INPUT_NAMES[name] ?? ['a', 'b'];
    configs.push(
      kernel(name, (inputs, _attrs, b) => {
        const x = inputs[ka];
        const y = inputs[kb];
        const shape = backend_util.assertAndGetBroadcastShape(x.shape, y.shape);
        const dtype = binaryDtype(name, x.dtype, y.dtype);
        return b.output(addon.binary(op, b.nid(x), b.nid(y), dtypeCode(dtype)), shape, dtype);
      }),
    );
  });
  configs.push(
    kernel('AddN', (inputs, _attrs, b) => {
      const xs = listInputs(inputs);
      if (xs.length === 1) return b.forward(xs[0]);
      const dtype = xs.map((t) => t.dtype).reduce((p, d) => upcastType(p, d));
      return b.output(addon.addN(xs.map((t) => b.nid(t)), dtypeCode(dtype)), xs[0].shape, dtype);
    }),
    kernel('Select', ({ condition, t, e }, _attrs, b) => {
      const dtype = upcastType(t.dtype, e.dtype);
      return b.output(addon.select(b.nid(condition), b.nid(t), b.nid(e)), t.shape, dtype);
    }),
    kernel('ClipByValue', ({ x }, attrs, b) =>
      b.output(addon.clip(b.nid(x), attrs.clipValueMin as number, attrs.clipValueMax as number), x.shape, x.dtype),
    ),
    kernel('Cast', ({ x }, attrs, b) => {
      const dtype = attrs.dtype as DataType;
      if (dtype === x.dtype) return b.forward(x);
      return b.output(addon.cast(b.nid(x), dtypeCode(dtype)), x.shape, dtype);
    }),
    kernel('Identity', ({ x }, _attrs, b) => b.forward(x)),
    kernel('Fill', (_inputs, attrs, b) => {
      const shape = attrs.shape as number[];
      const dtype = (attrs.dtype as DataType) ?? 'float32';
      return b.output(addon.fill(shape, Number(attrs.value), dtypeCode(dtype)), shape, dtype);
    }),
    kernel('Softmax', ({ logits }, attrs, b) => b.output(addon.softmax(b.nid(logits), attrs.dim as number), logits.shape, logits.dtype)),
  );
  return configs;
}
