/**
 * The 'torch' tfjs backend: tensor storage. Each tfjs DataId maps to one tensor id in the native addon; values are
 * copied only at the edges (write, read/readSync, and data moved in from another backend). Kernels
 * (./kernels/*) call `nid` for their inputs and `output` for their results.
 *
 * Lifetime follows the cpu backend: a DataId has a reference count (identity-like kernels return their input's
 * DataId with incRef); when it reaches 0, disposeData frees the native tensor, and libtorch releases the storage
 * once no view shares it. So `tf.memory()` and the addon's live count move together.
 */
import { readEnv } from '../../env';
import { DataStorage, KernelBackend, engine, util, type BackendTimingInfo, type DataType, type TensorInfo } from '@tensorflow/tfjs-core';
import { dtypeCode, type TorchAddon } from './nativeAddon';

type DataId = object;
type BackendValues = Float32Array | Int32Array | Uint8Array | Uint8Array[];

interface TorchData {
  /** id of the tensor in the addon */
  nid: number;
  refCount: number;
  dtype: DataType;
  shape: number[];
}

export class TorchBackend extends KernelBackend {
  readonly data: DataStorage<TorchData>;
  /** Compare every output's native shape/dtype with what tfjs expects (tests; DEEP_THINKING_TORCH_CHECK=1). */
  check = readEnv('torchCheck') ?? false;
  /** Kernels that ran through the cpu fallback (see kernels/fallbackKernels.ts), for reports and tests. */
  readonly fallbacksUsed = new Set<string>();

  constructor(readonly addon: TorchAddon) {
    super();
    this.data = new DataStorage(this, engine());
  }

  /** The native id of a kernel input (data on another backend is moved here first by DataStorage). */
  nid(t: TensorInfo): number {
    return this.data.get(t.dataId).nid;
  }

  /** Wrap a fresh native tensor as a kernel output. */
  output(nid: number, shape: number[], dtype: DataType): TensorInfo {
    if (this.check) this.verify(nid, shape, dtype);
    const dataId = {};
    this.data.set(dataId, { nid, refCount: 1, dtype, shape });
    return { dataId, shape, dtype };
  }

  /** A kernel output that is its input unchanged: same DataId, one more reference (as the cpu backend). */
  forward(t: TensorInfo): TensorInfo {
    this.incRef(t.dataId);
    return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  }

  /** Copy values in: a new native tensor. */
  upload(values: BackendValues, shape: number[], dtype: DataType): number {
    if (dtype === 'string' || dtype === 'complex64') throw new Error(`the torch backend does not support ${dtype} tensors`);
    return this.addon.write(typedFor(values, dtype), shape, dtypeCode(dtype));
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = {};
    this.data.set(dataId, { nid: this.upload(values, shape, dtype), refCount: 1, dtype, shape });
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.data.set(dataId, { nid: this.upload(values, shape, dtype), refCount, dtype, shape });
  }

  override readSync(dataId: DataId): Float32Array | Int32Array | Uint8Array {
    return this.addon.read(this.data.get(dataId).nid);
  }

  override async read(dataId: DataId): Promise<Float32Array | Int32Array | Uint8Array> {
    return this.readSync(dataId);
  }

  override refCount(dataId: DataId): number {
    return this.data.has(dataId) ? this.data.get(dataId).refCount : 0;
  }

  override incRef(dataId: DataId): void {
    this.data.get(dataId).refCount++;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    if (!this.data.has(dataId)) return true;
    const d = this.data.get(dataId);
    d.refCount--;
    if (!force && d.refCount > 0) return false;
    this.addon.free(d.nid);
    this.data.delete(dataId);
    return true;
  }

  override numDataIds(): number {
    return this.data.numDataIds();
  }

  override memory(): { unreliable: boolean; reasons?: string[]; nativeTensors: number; nativeBytes: number } {
    const m = this.addon.memory();
    // nativeBytes counts views in full (they share storage), so it is an upper bound of what libtorch holds.
    return { unreliable: false, nativeTensors: m.live, nativeBytes: m.bytes };
  }

  override timerAvailable(): boolean {
    return true;
  }

  override async time(f: () => void): Promise<BackendTimingInfo> {
    const start = util.now();
    f();
    return { kernelMs: util.now() - start };
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return super.epsilon();
  }

  override dispose(): void {
    this.addon.freeAll();
  }

  private verify(nid: number, shape: number[], dtype: DataType): void {
    const got = this.addon.shape(nid);
    const gotDtype = this.addon.dtype(nid);
    if (!util.arraysEqual(got, shape) || gotDtype !== dtypeCode(dtype)) {
      throw new Error(`torch backend: kernel produced [${got}] dtype #${gotDtype}, tfjs expects [${shape}] ${dtype}`);
    }
  }
}

/** The typed array the addon expects for a dtype (tfjs hands over bools as Uint8Array, ints as Int32Array). */
function typedFor(values: BackendValues, dtype: DataType): Float32Array | Int32Array | Uint8Array {
  if (Array.isArray(values)) throw new Error('the torch backend does not support string tensors');
  if (dtype === 'float32') return values instanceof Float32Array ? values : Float32Array.from(values);
  if (dtype === 'int32') return values instanceof Int32Array ? values : Int32Array.from(values);
  return values instanceof Uint8Array ? values : Uint8Array.from(values, (v) => (v ? 1 : 0));
}
