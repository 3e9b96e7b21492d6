// dt_torch: tfjs kernels in libtorch. This file holds the module, the edges where data is copied (write/read),
// tensor lifetime (free), threads and introspection. The kernels live in elementwise.cc, reduce.cc, shape.cc and
// conv.cc, the fused recurrent block in recur.cc and the optimizer update in optim.cc; the tfjs side is
// src/engine/backends/torch/.
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/csrc/api/include/torch/version.h>

#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "table.h"

namespace dt {
namespace {

// write(values: Float32Array | Int32Array | Uint8Array, shape: number[], dtype: number) → id. Copies the values,
// to the environment's device: one of the two edges where data crosses between host and device.
Napi::Value Write(const Napi::CallbackInfo& info) {
  Napi::TypedArray arr = info[0].As<Napi::TypedArray>();
  std::vector<int64_t> shape = Ints(info, 1);
  at::ScalarType dtype = ToScalarType(Int(info, 2));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
  if (arr.ByteLength() != bytes) {
    throw std::runtime_error("write: " + std::to_string(arr.ByteLength()) + " bytes given for a tensor of " +
                             std::to_string(bytes) + " bytes");
  }
  if (bytes) {
    const uint8_t* src = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
    std::memcpy(t.data_ptr(), src, bytes);
  }
  const at::Device& device = TableOf(info.Env()).device;
  return Out(info, device.is_cpu() ? std::move(t) : t.to(device));
}

// read(id) → a new Float32Array / Int32Array / Uint8Array (bool) with the values in row-major order.
// A bfloat16 tensor (reduced-precision inference, conv.cc) is read as float32: tfjs knows it as float32.
// A device tensor is widened there, then copied to the host (the copy waits for the queued kernels).
Napi::Value Read(const Napi::CallbackInfo& info) {
  at::Tensor t = Arg(info, 0);
  t = (t.scalar_type() == at::kBFloat16 ? t.to(at::kFloat) : t).to(at::kCPU).contiguous();
  size_t n = static_cast<size_t>(t.numel());
  size_t bytes = n * t.element_size();
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes) std::memcpy(ab.Data(), t.data_ptr(), bytes);
  switch (t.scalar_type()) {
    case at::kFloat: return Napi::Float32Array::New(info.Env(), n, ab, 0);
    case at::kInt: return Napi::Int32Array::New(info.Env(), n, ab, 0);
    case at::kBool: return Napi::Uint8Array::New(info.Env(), n, ab, 0);
    default: throw std::runtime_error(std::string("read: unsupported dtype ") + c10::toString(t.scalar_type()));
  }
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  TableOf(info.Env()).Free(Int(info, 0));
  return info.Env().Undefined();
}

Napi::Value FreeAll(const Napi::CallbackInfo& info) {
  TableOf(info.Env()).Clear();
  return info.Env().Undefined();
}

// memory() → { live, bytes }: tensors held by this environment's table.
Napi::Value Memory(const Napi::CallbackInfo& info) {
  const Table& table = TableOf(info.Env());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("live", Napi::Number::New(info.Env(), static_cast<double>(table.Live())));
  o.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(table.LogicalBytes())));
  return o;
}

// shape(id) / dtype(id): for the backend's self-checks and tests.
Napi::Value Shape(const Napi::CallbackInfo& info) {
  const at::Tensor& t = Arg(info, 0);
  Napi::Array a = Napi::Array::New(info.Env(), t.dim());
  for (int64_t k = 0; k < t.dim(); ++k) a.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), t.size(k)));
  return a;
}

Napi::Value DType(const Napi::CallbackInfo& info) {
  switch (Arg(info, 0).scalar_type()) {
    case at::kFloat:
    case at::kBFloat16: return Napi::Number::New(info.Env(), 0);  // tfjs float32 (see read)
    case at::kInt: return Napi::Number::New(info.Env(), 1);
    case at::kBool: return Napi::Number::New(info.Env(), 2);
    default: return Napi::Number::New(info.Env(), -1);
  }
}

// setThreads(n): libtorch's intra-op threads. Debian's build defaults to 1, so the backend always sets it.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = Int(info, 0);
  if (n < 1) throw std::runtime_error("setThreads: n must be ≥ 1");
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// tuneAllocator(mmapThreshold, trimThreshold) → whether it applied. glibc's defaults return freed memory to the OS
// after every training step (the tfjs tape frees hundreds of MB of activations and gradients at once), so the next
// step page-faults all of it in again: ~60 k faults and ~12 % of a step. Keeping tensors below `mmapThreshold` on
// the heap and trimming only beyond `trimThreshold` lets them be reused. Process-wide.
Napi::Value TuneAllocator(const Napi::CallbackInfo& info) {
#ifdef __GLIBC__
  bool ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(Int(info, 0))) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(Int(info, 1))) == 1 && ok;
  return Napi::Boolean::New(info.Env(), ok);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("version", Napi::String::New(info.Env(), TORCH_VERSION));
  o.Set("threads", Napi::Number::New(info.Env(), at::get_num_threads()));
  o.Set("mkldnn", Napi::Boolean::New(info.Env(), at::hasMKLDNN()));
  o.Set("parallel", Napi::String::New(info.Env(), at::get_parallel_info()));
  return o;
}

}  // namespace

// recur.cc: the fused recurrent block; optim.cc: the optimizer update (declared here, not in table.h, as only the
// module registers them).
void RegisterRecur(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<Table>(new Table());
  Export<Write>(env, exports, "write");
  Export<Read>(env, exports, "read");
  Export<Free>(env, exports, "free");
  Export<FreeAll>(env, exports, "freeAll");
  Export<Memory>(env, exports, "memory");
  Export<Shape>(env, exports, "shape");
  Export<DType>(env, exports, "dtype");
  Export<SetThreads>(env, exports, "setThreads");
  Export<Info>(env, exports, "info");
  Export<TuneAllocator>(env, exports, "tuneAllocator");
  RegisterElementwise(env, exports);
  RegisterReduce(env, exports);
  RegisterShape(env, exports);
  RegisterConv(env, exports);
  RegisterDevice(env, exports);
  RegisterRecur(env, exports);
  RegisterOptim(env, exports);
  return exports;
}

}  // namespace dt

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return dt::Init(env, exports); }

NODE_API_MODULE(dt_torch, InitModule)
