/**
 * Contractions (native/src/conv.cc): Conv2D with both gradients, so tfjs's autodiff of conv2d runs in libtorch
 * (oneDNN) and the forward-conv customGrad of src/engine/tf.ts is not needed (BackendInfo.customConvGrad = false).
 * Padding, output shape and strides come from tfjs's computeConv2DInfo; only NHWC is supported (what the engine
 * uses); NCHW requests fall back to the cpu kernel.
 */
import { backend_util, upcastType, type KernelConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import type { TorchAddon } from '../nativeAddon';
import type { TorchBackend } from '../torchBackend';
import { kernel, type Inputs } from './kernel';
import { runOnCpu } from './fallbackKernels';

type Conv2DInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

function convArgs(c: Conv2DInfo): [number[], number[], number[]] {
  const p = c.padInfo;
  return [[p.top, p.bottom, p.left, p.right], [c.strideHeight, c.strideWidth], [c.dilationHeight, c.dilationWidth]];
}

function nhwcOnly(name: string, inputs: Inputs, attrs: NamedAttrMap, b: TorchBackend) {
  return attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC' && attrs.dataFormat !== 'channelsLast'
    ? runOnCpu(name, inputs, attrs, b)
    : undefined;
}

type Strides = [number, number] | number;
type Pad = Parameters<typeof backend_util.computeConv2DInfo>[4];
type Rounding = Parameters<typeof backend_util.computeConv2DInfo>[5];

export function convKernels(addon: TorchAddon): KernelConfig[] {
  return [
    kernel('Conv2D', (inputs, attrs, b) => {
      const other = nhwcOnly('Conv2D', inputs, attrs, b);
      if (other) return other;
      const { x, filter } = inputs;
      const c = backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filter.shape as [number, number, number, number],
        attrs.strides as Strides,
        (attrs.dilations as Strides) ?? 1,
        attrs.pad as Pad,
        attrs.dimRoundingMode as Rounding,
      );
      return b.output(addon.conv2d(b.nid(x), b.nid(filter), ...convArgs(c)), c.outShape, 'float32');
    }),
    kernel('Conv2DBackpropInput', (inputs, attrs, b) => {
      const other = nhwcOnly('Conv2DBackpropInput', inputs, attrs, b);
      if (other) return other;
      const { dy, filter } = inputs;
      const inputShape = attrs.inputShape as [number, number, number, number];
      const c = backend_util.computeConv2DInfo(
        inputShape,
        filter.shape as [number, number, number, number],
        attrs.strides as Strides,
        1,
        attrs.pad as Pad,
        attrs.dimRoundingMode as Rounding,
      );
      return b.output(addon.conv2dBackpropInput(b.nid(dy), b.nid(filter), inputShape, ...convArgs(c)), inputShape, 'float32');
    }),
    kernel('Conv2DBackpropFilter', (inputs, attrs, b) => {
      const other = nhwcOnly('Conv2DBackpropFilter', inputs, attrs, b);
      if (other) return other;
      const { x, dy } = inputs;
      const filterShape = attrs.filterShape as [number, number, number, number];
      const c = backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        attrs.strides as Strides,
        1,
        attrs.pad as Pad,
        attrs.dimRoundingMode as Rounding,
      );
      return b.output(addon.conv2dBackpropFilter(b.nid(x), b.nid(dy), filterShape, ...convArgs(c)), filterShape, 'float32');
    }),
    kernel('BatchMatMul', ({ a, b: bm }, attrs, b) => {
      const ta = !!attrs.transposeA;
      const tb = !!attrs.transposeB;
      const ra = a.shape.length;
      const rb = bm.shape.length;
      const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
      const n = tb ? bm.shape[rb - 2] : bm.shape[rb - 1];
      const batch = backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bm.shape.slice(0, -2));
      return b.output(addon.matmul(b.nid(a), b.nid(bm), ta, tb), [...batch, m, n], upcastType(a.dtype, bm.dtype));
    }),
  ];
}
