// The addon's shared plumbing: the table of live tensors (a tfjs DataId maps to one integer id here) and the
// conversions between Node-API values and ATen arguments. Every exported function is wrapped by `Guarded` so a
// libtorch error becomes a JS exception that names the operation instead of aborting the process.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dt {

// Tensors owned by the addon, per Node environment (the main thread and each worker thread get their own table).
// Ids are slots in a vector, reused through a free list, so a lookup is an index and never a hash.
class Table {
 public:
  int32_t Put(at::Tensor t) {
    bytes_ += Bytes(t);
    ++live_;
    if (!free_.empty()) {
      int32_t id = free_.back();
      free_.pop_back();
      slots_[id] = std::move(t);
      return id;
    }
    slots_.push_back(std::move(t));
    return static_cast<int32_t>(slots_.size() - 1);
  }

  const at::Tensor& Get(int64_t id) const {
    if (id < 0 || id >= static_cast<int64_t>(slots_.size()) || !slots_[id].defined()) {
      throw std::runtime_error("unknown or freed tensor id " + std::to_string(id));
    }
    return slots_[id];
  }

  void Free(int64_t id) {
    const at::Tensor& t = Get(id);
    bytes_ -= Bytes(t);
    --live_;
    slots_[id] = at::Tensor();  // drops our reference; libtorch frees the storage when no view shares it
    free_.push_back(static_cast<int32_t>(id));
  }

  void Clear() {
    slots_.clear();
    free_.clear();
    live_ = 0;
    bytes_ = 0;
  }

  int64_t Live() const { return live_; }
  // Where this environment's tensors live (setDevice in device.cc): every tensor the addon creates goes here, and
  // data crosses to the host only in write/read. Per environment like the table, whose tensors all share it.
  at::Device device = at::kCPU;
  // The dtype convolutions compute in for this environment: kFloat, or kBFloat16 while a caller has asked for
  // reduced-precision inference (setConvPrecision). Per environment, so a training worker never sees it.
  at::ScalarType conv_dtype = at::kFloat;
  // Logical bytes (numel × element size) of the live tensors; views count in full although they share storage.
  int64_t LogicalBytes() const { return bytes_; }

 private:
  static int64_t Bytes(const at::Tensor& t) { return t.numel() * static_cast<int64_t>(t.element_size()); }
  std::vector<at::Tensor> slots_;
  std::vector<int32_t> free_;
  int64_t live_ = 0;
  int64_t bytes_ = 0;
};

inline Table& TableOf(const Napi::Env& env) { return *env.GetInstanceData<Table>(); }

// tfjs dtype codes, in the order of DTYPES in src/engine/backends/torch/nativeAddon.ts.
inline at::ScalarType ToScalarType(int64_t code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kInt;
    case 2: return at::kBool;
  }
  throw std::runtime_error("unknown dtype code " + std::to_string(code));
}

inline int64_t Int(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int64_t>(info[i].As<Napi::Number>().Int64Value());
}

inline double Num(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }

inline bool Bool(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }

inline std::vector<int64_t> Ints(const Napi::CallbackInfo& info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<int64_t> v(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) v[k] = a.Get(k).As<Napi::Number>().Int64Value();
  return v;
}

inline const at::Tensor& Arg(const Napi::CallbackInfo& info, size_t i) {
  return TableOf(info.Env()).Get(Int(info, i));
}

inline std::vector<at::Tensor> Args(const Napi::CallbackInfo& info, size_t i) {
  Napi::Array a = info[i].As<Napi::Array>();
  const Table& table = TableOf(info.Env());
  std::vector<at::Tensor> v;
  v.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); ++k) v.push_back(table.Get(a.Get(k).As<Napi::Number>().Int64Value()));
  return v;
}

inline Napi::Value Out(const Napi::CallbackInfo& info, at::Tensor t) {
  return Napi::Number::New(info.Env(), TableOf(info.Env()).Put(std::move(t)));
}

inline Napi::Value OutMany(const Napi::CallbackInfo& info, const std::vector<at::Tensor>& ts) {
  Napi::Array a = Napi::Array::New(info.Env(), ts.size());
  Table& table = TableOf(info.Env());
  for (size_t k = 0; k < ts.size(); ++k) a.Set(static_cast<uint32_t>(k), Napi::Number::New(info.Env(), table.Put(ts[k])));
  return a;
}

// Casts to the dtype tfjs expects for the output (e.g. int64 sums and argmax → int32), a no-op when it matches.
// bfloat16 passes as float32: it exists only in reduced-precision inference (conv.cc) and is meant to flow through
// the elementwise ops between convolutions; read() widens it at the edge.
inline at::Tensor As(const at::Tensor& t, int64_t dtypeCode) {
  at::ScalarType s = ToScalarType(dtypeCode);
  if (s == at::kFloat && t.scalar_type() == at::kBFloat16) return t;
  return t.scalar_type() == s ? t : t.to(s);
}

using Fn = Napi::Value (*)(const Napi::CallbackInfo&);

// Runs F with autograd off (InferenceMode: no version counters, no grad bookkeeping; tfjs does the autodiff) and
// turns C++ exceptions into JS errors.
template <Fn F>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    c10::InferenceMode guard;
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("dt_torch: ") + e.what());
  }
}

template <Fn F>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Guarded<F>>(env, name));
}

// Options for a tensor created from nothing (fill, write): the environment's device.
inline at::TensorOptions OptionsOf(const Napi::Env& env, at::ScalarType dtype) {
  return at::TensorOptions().dtype(dtype).device(TableOf(env).device);
}

// Each source file registers its functions.
void RegisterElementwise(Napi::Env env, Napi::Object exports);
void RegisterReduce(Napi::Env env, Napi::Object exports);
void RegisterShape(Napi::Env env, Napi::Object exports);
void RegisterConv(Napi::Env env, Napi::Object exports);
void RegisterDevice(Napi::Env env, Napi::Object exports);

}  // namespace dt
