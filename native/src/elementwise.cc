// Elementwise kernels: unary and binary ops looked up by index in tables whose names are exported, so the tfjs side
// maps kernel names to indices once at load and a call passes two or three integers. Broadcasting is numpy's in
// both libraries, so binary ops need no shape work here.
#include <ATen/Parallel.h>

#include "table.h"

namespace dt {
namespace {

using Unary = at::Tensor (*)(const at::Tensor&);
using UnaryScalar = at::Tensor (*)(const at::Tensor&, double);
using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);

template <typename F>
struct Named {
  const char* name;
  F fn;
};

// Names are tfjs kernel names (kernel_names.ts).
const Named<Unary> kUnary[] = {
    {"Abs", [](const at::Tensor& x) { return at::abs(x); }},
    {"Acos", [](const at::Tensor& x) { return at::acos(x); }},
    {"Acosh", [](const at::Tensor& x) { return at::acosh(x); }},
    {"Asin", [](const at::Tensor& x) { return at::asin(x); }},
    {"Asinh", [](const at::Tensor& x) { return at::asinh(x); }},
    {"Atan", [](const at::Tensor& x) { return at::atan(x); }},
    {"Atanh", [](const at::Tensor& x) { return at::atanh(x); }},
    {"Ceil", [](const at::Tensor& x) { return at::ceil(x); }},
    {"Cos", [](const at::Tensor& x) { return at::cos(x); }},
    {"Cosh", [](const at::Tensor& x) { return at::cosh(x); }},
    {"Elu", [](const at::Tensor& x) { return at::elu(x); }},
    {"Erf", [](const at::Tensor& x) { return at::erf(x); }},
    {"Exp", [](const at::Tensor& x) { return at::exp(x); }},
    {"Expm1", [](const at::Tensor& x) { return at::expm1(x); }},
    {"Floor", [](const at::Tensor& x) { return at::floor(x); }},
    {"IsFinite", [](const at::Tensor& x) { return at::isfinite(x); }},
    {"IsInf", [](const at::Tensor& x) { return at::isinf(x); }},
    {"IsNan", [](const at::Tensor& x) { return at::isnan(x); }},
    {"Log", [](const at::Tensor& x) { return at::log(x); }},
    {"Log1p", [](const at::Tensor& x) { return at::log1p(x); }},
    {"LogicalNot", [](const at::Tensor& x) { return at::logical_not(x); }},
    {"Neg", [](const at::Tensor& x) { return at::neg(x); }},
    {"Reciprocal", [](const at::Tensor& x) { return at::reciprocal(x); }},
    {"Relu", [](const at::Tensor& x) { return at::relu(x); }},
    {"Relu6", [](const at::Tensor& x) { return at::clamp(x, 0, 6); }},
    {"Round", [](const at::Tensor& x) { return at::round(x); }},  // half to even, as tfjs
    {"Rsqrt", [](const at::Tensor& x) { return at::rsqrt(x); }},
    {"Selu", [](const at::Tensor& x) { return at::selu(x); }},
    {"Sigmoid", [](const at::Tensor& x) { return at::sigmoid(x); }},
    {"Sign", [](const at::Tensor& x) { return at::sign(x); }},
    {"Sin", [](const at::Tensor& x) { return at::sin(x); }},
    {"Sinh", [](const at::Tensor& x) { return at::sinh(x); }},
    {"Softplus", [](const at::Tensor& x) { return at::softplus(x); }},
    {"Sqrt", [](const at::Tensor& x) { return at::sqrt(x); }},
    {"Square", [](const at::Tensor& x) { return at::square(x); }},
    {"Tan", [](const at::Tensor& x) { return at::tan(x); }},
    {"Tanh", [](const at::Tensor& x) { return at::tanh(x); }},
    {"ZerosLike", [](const at::Tensor& x) { return at::zeros(x.sizes(), x.options()); }},
    {"OnesLike", [](const at::Tensor& x) { return at::ones(x.sizes(), x.options()); }},
};

const Named<UnaryScalar> kUnaryScalar[] = {
    // tfjs Step: x > 0 ? 1 : alpha, NaN stays NaN. The Relu gradient is dy · step(x), so it runs as often as Relu:
    // one plain loop (a chain of at::where calls was ~50× slower than relu).
    {"Step",
     [](const at::Tensor& x, double alpha) {
       if (x.scalar_type() != at::kFloat) return at::where(x > 0, at::scalar_tensor(1, x.options()), at::scalar_tensor(alpha, x.options()));
       // Off the CPU the loop below cannot read the data: the same selects as device kernels.
       if (!x.device().is_cpu()) {
         at::Tensor r = at::where(x > 0, at::scalar_tensor(1, x.options()), at::scalar_tensor(alpha, x.options()));
         return at::where(at::isnan(x), x, r);
       }
       at::Tensor in = x.contiguous();
       at::Tensor out = at::empty_like(in);
       const float* src = in.data_ptr<float>();
       float* dst = out.data_ptr<float>();
       const float a = static_cast<float>(alpha);
       at::parallel_for(0, in.numel(), 32768, [&](int64_t begin, int64_t end) {
         // Written as selects, not branches: random signs would mispredict a branch on every other element.
         for (int64_t i = begin; i < end; ++i) {
           const float v = src[i];
           const float r = v > 0.f ? 1.f : a;
           dst[i] = v == v ? r : v;
         }
       });
       return out;
     }},
    {"LeakyRelu", [](const at::Tensor& x, double alpha) { return at::leaky_relu(x, alpha); }},
};

const Named<Binary> kBinary[] = {
    {"Add", [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }},
    {"Sub", [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }},
    {"Multiply", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }},
    {"RealDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }},
    {"FloorDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); }},
    {"Maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
    {"Minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
    {"Pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }},
    {"SquaredDifference", [](const at::Tensor& a, const at::Tensor& b) { return at::square(at::sub(a, b)); }},
    {"Mod", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }},  // sign of the divisor
    {"Atan2", [](const at::Tensor& a, const at::Tensor& b) { return at::atan2(a, b); }},
    {"Equal", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }},
    {"NotEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }},
    {"Greater", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }},
    {"GreaterEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }},
    {"Less", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }},
    {"LessEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }},
    {"LogicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }},
    {"LogicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }},
    {"Prelu", [](const at::Tensor& x, const at::Tensor& alpha) { return at::where(x < 0, x * alpha, x); }},
    // tfjs EluGrad(dy, y): dy where y ≥ 0, else dy · (y + 1).
    {"EluGrad", [](const at::Tensor& dy, const at::Tensor& y) { return at::where(y >= 0, dy, dy * (y + 1)); }},
    // Not a tfjs kernel: the Relu gradient, dy where x > 0 else 0, in one pass instead of tfjs's dy · cast(step(x))
    // (three kernels, two temporaries); registered for the Relu gradient by reluGrad.ts. It runs as often as Relu.
    {"DtReluGrad", [](const at::Tensor& dy, const at::Tensor& x) { return at::threshold_backward(dy, x, 0); }},
};

template <typename F, size_t N>
Napi::Value Names(Napi::Env env, const Named<F> (&table)[N]) {
  Napi::Array a = Napi::Array::New(env, N);
  for (size_t k = 0; k < N; ++k) a.Set(static_cast<uint32_t>(k), Napi::String::New(env, table[k].name));
  return a;
}

template <typename F, size_t N>
F Lookup(const Named<F> (&table)[N], int64_t op) {
  if (op < 0 || op >= static_cast<int64_t>(N)) throw std::runtime_error("unknown op index " + std::to_string(op));
  return table[op].fn;
}

// unary(op, x, outDtype) → id
Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  return Out(info, As(Lookup(kUnary, Int(info, 0))(Arg(info, 1)), Int(info, 2)));
}

// unaryScalar(op, x, scalar, outDtype) → id
Napi::Value UnaryScalarOp(const Napi::CallbackInfo& info) {
  return Out(info, As(Lookup(kUnaryScalar, Int(info, 0))(Arg(info, 1), Num(info, 2)), Int(info, 3)));
}

// binary(op, a, b, outDtype) → id
Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  return Out(info, As(Lookup(kBinary, Int(info, 0))(Arg(info, 1), Arg(info, 2)), Int(info, 3)));
}

// addN(ids[], outDtype) → id
Napi::Value AddN(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> ts = Args(info, 0);
  if (ts.empty()) throw std::runtime_error("addN: no inputs");
  at::Tensor sum = ts.size() == 1 ? ts[0].clone() : at::add(ts[0], ts[1]);
  for (size_t k = 2; k < ts.size(); ++k) sum.add_(ts[k]);  // sum is our own fresh tensor
  return Out(info, As(sum, Int(info, 1)));
}

// select(condition, t, e) → id. A rank-1 condition with higher-rank t/e picks whole rows (tfjs semantics), so it
// is reshaped to [n, 1, …] to broadcast that way.
Napi::Value Select(const Napi::CallbackInfo& info) {
  at::Tensor c = Arg(info, 0).to(at::kBool);
  const at::Tensor& t = Arg(info, 1);
  if (c.dim() == 1 && t.dim() > 1) {
    std::vector<int64_t> shape(static_cast<size_t>(t.dim()), 1);
    shape[0] = c.size(0);
    c = c.reshape(shape);
  }
  return Out(info, at::where(c, t, Arg(info, 2)));
}

// clip(x, lo, hi) → id
Napi::Value Clip(const Napi::CallbackInfo& info) { return Out(info, at::clamp(Arg(info, 0), Num(info, 1), Num(info, 2))); }

// cast(x, dtype) → id
Napi::Value Cast(const Napi::CallbackInfo& info) { return Out(info, Arg(info, 0).to(ToScalarType(Int(info, 1)))); }

// fill(shape, value, dtype) → id
Napi::Value Fill(const Napi::CallbackInfo& info) {
  return Out(info, at::full(Ints(info, 0), Num(info, 1), OptionsOf(info.Env(), ToScalarType(Int(info, 2)))));
}

// softmax(x, dim) → id
Napi::Value Softmax(const Napi::CallbackInfo& info) { return Out(info, at::softmax(Arg(info, 0), Int(info, 1))); }

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unaryOps", Names(env, kUnary));
  exports.Set("unaryScalarOps", Names(env, kUnaryScalar));
  exports.Set("binaryOps", Names(env, kBinary));
  Export<UnaryOp>(env, exports, "unary");
  Export<UnaryScalarOp>(env, exports, "unaryScalar");
  Export<BinaryOp>(env, exports, "binary");
  Export<AddN>(env, exports, "addN");
  Export<Select>(env, exports, "select");
  Export<Clip>(env, exports, "clip");
  Export<Cast>(env, exports, "cast");
  Export<Fill>(env, exports, "fill");
  Export<Softmax>(env, exports, "softmax");
}

}  // namespace dt
