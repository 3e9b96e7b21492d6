/**
 * Layout kernels (native/src/shape.cc). Most give libtorch views, so reshaping, transposing, slicing and splitting
 * copy nothing; a view keeps its base storage alive until every id that shares it is freed.
 */
import { backend_util, slice_util, util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchAddon } from '../nativeAddon';
import { kernel, listInputs } from './kernel';
import { runOnCpu } from './fallbackKernels';

export function shapeKernels(addon: TorchAddon): KernelConfig[] {
  return [
    kernel('Reshape', ({ x }, attrs, b) => {
      const shape = util.inferFromImplicitShape(attrs.shape as number[], util.sizeFromShape(x.shape));
      if (util.sizeFromShape(shape) !== util.sizeFromShape(x.shape)) {
        throw new Error(`Reshape: cannot reshape [${x.shape}] to [${shape}]`);
      }
      if (util.arraysEqual(shape, x.shape)) return b.forward(x);
      return b.output(addon.reshape(b.nid(x), shape), shape, x.dtype);
    }),
    kernel('Transpose', ({ x }, attrs, b) => {
      const perm = attrs.perm as number[];
      if (perm.every((p, i) => p === i)) return b.forward(x);
      return b.output(addon.transpose(b.nid(x), perm), perm.map((p) => x.shape[p]), x.dtype);
    }),
    kernel('Concat', (inputs, attrs, b) => {
      const all = listInputs(inputs);
      const [axis] = util.parseAxisParam(attrs.axis as number, all[0].shape);
      const shape = backend_util.computeOutShape(all.map((t) => t.shape), axis);
      const xs = all.filter((t) => util.sizeFromShape(t.shape) > 0);
      if (xs.length === 1) return b.forward(xs[0]);
      if (xs.length === 0) return b.output(addon.fill(shape, 0, 0), shape, all[0].dtype);
      return b.output(addon.concat(xs.map((t) => b.nid(t)), axis), shape, xs[0].dtype);
    }),
    kernel('Slice', ({ x }, attrs, b) => {
      const [begin, size] = slice_util.parseSliceParams(x, attrs.begin as number | number[], attrs.size as number | number[]);
      slice_util.assertParamsValid(x, begin, size);
      if (begin.every((v) => v === 0) && util.arraysEqual(size, x.shape)) return b.forward(x);
      return b.output(addon.slice(b.nid(x), begin, size), size, x.dtype);
    }),
    kernel('SplitV', ({ x }, attrs, b) => {
      const [axis] = util.parseAxisParam(attrs.axis as number, x.shape);
      const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits as number[] | number, axis);
      const ids = addon.splitV(b.nid(x), sizes, axis);
      return ids.map((id, i) => {
        const shape = x.shape.slice();
        shape[axis] = sizes[i];
        return b.output(id, shape, x.dtype);
      });
    }),
    kernel('PadV2', ({ x }, attrs, b) => {
      const paddings = attrs.paddings as Array<[number, number]>;
      const shape = x.shape.map((s, i) => paddings[i][0] + s + paddings[i][1]);
      return b.output(addon.pad(b.nid(x), paddings.flat(), attrs.constantValue as number), shape, x.dtype);
    }),
    kernel('Reverse', ({ x }, attrs, b) => {
      const dims = util.parseAxisParam(attrs.dims as number | number[], x.shape);
      if (dims.length === 0) return b.forward(x);
      return b.output(addon.reverse(b.nid(x), dims), x.shape, x.dtype);
    }),
    kernel('Tile', ({ x }, attrs, b) => {
      const reps = attrs.reps as number[];
      return b.output(addon.tile(b.nid(x), reps), x.shape.map((s, i) => s * reps[i]), x.dtype);
    }),
    kernel('GatherV2', (inputs, attrs, b) => {
      const { x, indices } = inputs;
      if (((attrs.batchDims as number) ?? 0) !== 0) return runOnCpu('GatherV2', inputs, attrs, b);
      const [axis] = util.parseAxisParam(attrs.axis as number, x.shape);
      const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
      return b.output(addon.gather(b.nid(x), b.nid(indices), axis), shape, x.dtype);
    }),
    kernel('Pack', (inputs, attrs, b) => {
      const xs = listInputs(inputs);
      const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + xs[0].shape.length + 1 : (attrs.axis as number);
      const shape = xs[0].shape.slice();
      shape.splice(axis, 0, xs.length);
      return b.output(addon.pack(xs.map((t) => b.nid(t)), axis), shape, xs[0].dtype);
    }),
    kernel('Unpack', ({ value }, attrs, b) => {
      const [axis] = util.parseAxisParam(attrs.axis as number, value.shape);
      const shape = value.shape.filter((_, i) => i !== axis);
      return addon.unpack(b.nid(value), axis).map((id): TensorInfo => b.output(id, shape, value.dtype));
    }),
  ];
}
