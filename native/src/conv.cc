// Contractions: 2-D convolution with both gradients, and batched matmul.
//
// tfjs keeps activations NHWC and filters HWIO; libtorch's conv takes NCHW / OIHW. Permuting an NHWC tensor to
// NCHW gives a tensor with channels-last strides, which libtorch's oneDNN path consumes without a copy; the output
// comes back channels-last and permutes back to a contiguous NHWC tensor. No layout copy is made here.
//
// Padding: libtorch pads symmetrically; an asymmetric tfjs padding (even kernels, 'same' with odd excess) pads the
// input explicitly and runs an unpadded conv; the input gradient is then cropped.
#include "table.h"

namespace dt {
namespace {

at::Tensor ToNCHW(const at::Tensor& nhwc) { return nhwc.permute({0, 3, 1, 2}); }
at::Tensor ToOIHW(const at::Tensor& hwio) { return hwio.permute({3, 2, 0, 1}); }
at::Tensor ToNHWC(const at::Tensor& nchw) { return nchw.permute({0, 2, 3, 1}); }
at::Tensor ToHWIO(const at::Tensor& oihw) { return oihw.permute({2, 3, 1, 0}); }

struct ConvArgs {
  int64_t top, bottom, left, right;
  std::vector<int64_t> strides, dilations;
  bool Symmetric() const { return top == bottom && left == right; }
  std::vector<int64_t> Padding() const { return Symmetric() ? std::vector<int64_t>{top, left} : std::vector<int64_t>{0, 0}; }
};

// (pads [top, bottom, left, right], strides [h, w], dilations [h, w]) at argument positions i, i+1, i+2.
ConvArgs ReadConvArgs(const Napi::CallbackInfo& info, size_t i) {
  std::vector<int64_t> p = Ints(info, i);
  if (p.size() != 4) throw std::runtime_error("conv: pads must be [top, bottom, left, right]");
  return {p[0], p[1], p[2], p[3], Ints(info, i + 1), Ints(info, i + 2)};
}

at::Tensor PadIfAsymmetric(const at::Tensor& xNCHW, const ConvArgs& c) {
  return c.Symmetric() ? xNCHW : at::constant_pad_nd(xNCHW, {c.left, c.right, c.top, c.bottom}, 0);
}

// Inputs in the environment's convolution dtype (setConvPrecision): float32, or bfloat16 for reduced-precision
// inference, where oneDNN's AVX512-BF16 kernels run a 408×408×32 3×3 conv in ~7 ms against ~16 ms in float32
// (2 Zen 4 cores). The bfloat16 output is kept, so the ops up to the next conv run on half the bytes too.
at::Tensor InConvDtype(const Napi::CallbackInfo& info, const at::Tensor& t) {
  at::ScalarType s = TableOf(info.Env()).conv_dtype;
  return t.scalar_type() == s ? t : t.to(s);
}

// Gradients compute in float32 whatever flows in.
at::Tensor F32(const at::Tensor& t) { return t.scalar_type() == at::kBFloat16 ? t.to(at::kFloat) : t; }

// conv2d(x [N,H,W,Ci], w [kh,kw,Ci,Co], pads, strides, dilations) → y [N,OH,OW,Co]
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  ConvArgs c = ReadConvArgs(info, 2);
  at::Tensor x = PadIfAsymmetric(ToNCHW(InConvDtype(info, Arg(info, 0))), c);
  at::Tensor w = ToOIHW(InConvDtype(info, Arg(info, 1)));
  at::Tensor y = at::convolution(x, w, {}, c.strides, c.Padding(), c.dilations, false, {0, 0}, 1);
  return Out(info, ToNHWC(y));
}

// conv2dBackpropInput(dy [N,OH,OW,Co], w [kh,kw,Ci,Co], inputShape [N,H,W,Ci], pads, strides, dilations) → dx
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  at::Tensor dy = ToNCHW(F32(Arg(info, 0)));
  at::Tensor w = ToOIHW(F32(Arg(info, 1)));
  std::vector<int64_t> s = Ints(info, 2);  // NHWC
  ConvArgs c = ReadConvArgs(info, 3);
  int64_t h = s[1] + (c.Symmetric() ? 0 : c.top + c.bottom);
  int64_t wd = s[2] + (c.Symmetric() ? 0 : c.left + c.right);
  // Only the input's sizes and layout matter for the input gradient: an uninitialised tensor stands in for it.
  at::Tensor shapeOnly = at::empty({s[0], s[3], h, wd}, dy.options().memory_format(dy.suggest_memory_format()));
  auto grads = at::convolution_backward(dy, shapeOnly, w, at::OptionalIntArrayRef(), c.strides, c.Padding(), c.dilations, false,
                                        {0, 0}, 1, {true, false, false});
  at::Tensor dx = std::get<0>(grads);
  if (!c.Symmetric()) dx = dx.narrow(2, c.top, s[1]).narrow(3, c.left, s[2]);
  return Out(info, ToNHWC(dx));
}

// conv2dBackpropFilter(x [N,H,W,Ci], dy [N,OH,OW,Co], filterShape [kh,kw,Ci,Co], pads, strides, dilations) → dw
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  ConvArgs c = ReadConvArgs(info, 3);
  at::Tensor x = PadIfAsymmetric(ToNCHW(F32(Arg(info, 0))), c);
  at::Tensor dy = ToNCHW(F32(Arg(info, 1)));
  std::vector<int64_t> f = Ints(info, 2);  // HWIO
  at::Tensor shapeOnly = at::empty({f[3], f[2], f[0], f[1]}, dy.options().memory_format(dy.suggest_memory_format()));
  auto grads = at::convolution_backward(dy, x, shapeOnly, at::OptionalIntArrayRef(), c.strides, c.Padding(), c.dilations, false,
                                        {0, 0}, 1, {false, true, false});
  return Out(info, ToHWIO(std::get<1>(grads)));
}

// matmul(a, b, transposeA, transposeB) → id; batch dimensions broadcast as in tfjs BatchMatMul.
Napi::Value MatMul(const Napi::CallbackInfo& info) {
  at::Tensor a = Arg(info, 0);
  at::Tensor b = Arg(info, 1);
  if (Bool(info, 2)) a = a.transpose(-1, -2);
  if (Bool(info, 3)) b = b.transpose(-1, -2);
  return Out(info, at::matmul(a, b));
}

// setConvPrecision(0 = float32 | 1 = bfloat16) → the previous setting, for this environment. Gradients always
// compute in float32 (training never asks for bfloat16).
Napi::Value SetConvPrecision(const Napi::CallbackInfo& info) {
  Table& table = TableOf(info.Env());
  int64_t p = Int(info, 0);
  if (p != 0 && p != 1) throw std::runtime_error("setConvPrecision: 0 (float32) or 1 (bfloat16)");
  int64_t previous = table.conv_dtype == at::kBFloat16 ? 1 : 0;
  table.conv_dtype = p == 1 ? at::kBFloat16 : at::kFloat;
  return Napi::Number::New(info.Env(), static_cast<double>(previous));
}

}  // namespace

void RegisterConv(Napi::Env env, Napi::Object exports) {
  Export<Conv2d>(env, exports, "conv2d");
  Export<Conv2dBackpropInput>(env, exports, "conv2dBackpropInput");
  Export<Conv2dBackpropFilter>(env, exports, "conv2dBackpropFilter");
  Export<MatMul>(env, exports, "matmul");
  Export<SetConvPrecision>(env, exports, "setConvPrecision");
}

}  // namespace dt
