/**
 * Reductions (Sum, Mean, Max, Min, Prod, Any, All), ArgMax/ArgMin and Cumsum (native/src/reduce.cc). Output shapes
 * come from tfjs's own helpers; dtypes follow tfjs (sums of ints stay int32, Mean is float32, Any/All are bool).
 */
import { backend_util, upcastType, util, type DataType, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { dtypeCode, type TorchAddon } from '../nativeAddon';
import type { TorchBackend } from '../torchBackend';
import { kernel } from './kernel';

const REDUCE_OPS = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4, Any: 5, All: 6 } as const;
type ReduceName = keyof typeof REDUCE_OPS;

function reduceDtype(name: ReduceName, x: DataType): DataType {
  if (name === 'Any' || name === 'All') return 'bool';
  if (name === 'Mean') return 'float32';
  if (name === 'Sum' || name === 'Prod') return upcastType(x, 'int32');
  return x;
}

function reduce(addon: TorchAddon, name: ReduceName, x: TensorInfo, attrs: NamedAttrMap, b: TorchBackend): TensorInfo {
  const axisAttr = (name === 'Max' ? attrs.reductionIndices : attrs.axis) as number | number[];
  const axes = util.parseAxisParam(axisAttr, x.shape);
  const dtype = reduceDtype(name, x.dtype);
  // No axis: nothing is reduced (libtorch would reduce everything).
  if (axes.length === 0) return dtype === x.dtype ? b.forward(x) : b.output(addon.cast(b.nid(x), dtypeCode(dtype)), x.shape, dtype);
  const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  const keepDims = !!attrs.keepDims;
  const shape = keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
  return b.output(addon.reduce(REDUCE_OPS[name], b.nid(x), axes, keepDims, dtypeCode(dtype)), shape, dtype);
}

export function reduceKernels(addon: TorchAddon): KernelConfig[] {
  const configs = (Object.keys(REDUCE_OPS) as ReduceName[]).map((name) => kernel(name, ({ x }, attrs, b) => reduce(addon, name, x, attrs, b)));
  for (const [name, isMax] of [['ArgMax', true], ['ArgMin', false]] as const) {
    configs.push(
      kernel(name, ({ x }, attrs, b) => {
        const [axis] = util.parseAxisParam(attrs.axis as number, x.shape);
        const shape = x.shape.filter((_, i) => i !== axis);
        return b.output(addon.argMinMax(isMax, b.nid(x), axis), shape, 'int32');
      }),
    );
  }
  configs.push(
    kernel('Cumsum', ({ x }, attrs, b) => {
      const [axis] = util.parseAxisParam(attrs.axis as number, x.shape);
      const dtype = upcastType(x.dtype, 'int32');
      return b.output(addon.cumsum(b.nid(x), axis, !!attrs.exclusive, !!attrs.reverse, dtypeCode(dtype)), x.shape, dtype);
    }),
  );
  return configs;
}
