// The DT recurrent block as two native calls: its forward (returning the activations its gradient needs) and its
// backward, instead of ~20 tfjs kernels each way per iteration (Bansal et al. 2022, §3 and appendix A):
//
//   [recall: c = concat(h, x) (channels) → a = conv(c, w0) (→ ReLU in 1-D)]
//   then per basic residual block b: t_b = relu(conv(in_b, w1_b)); o_b = relu(conv(t_b, w2_b) + in_b)
//
// Activations are channels-last as in tfjs: 2-D [N,H,W,C], 1-D [N,L,C] (run as [N,1,L,C], which is how tfjs's conv1d
// runs too). Inside, each conv sees a permuted view (NCHW sizes, channels-last strides), which oneDNN consumes without
// a copy, and returns channels-last; PyTorch 1.13 on 2 cores runs this layout 1.5–2× faster than contiguous NCHW.
// The backward computes each conv's input and weight gradients in one at::convolution_backward (the separate tfjs
// kernels run it twice) and the ReLU gradients with threshold_backward, as PyTorch's autograd does.
// src/engine/models/fusedRecurrentBlock.ts wires both into tfjs with tf.customGrad.
#include "table.h"

namespace dt {
namespace {

at::Tensor ToNCHW(const at::Tensor& nhwc) { return nhwc.permute({0, 3, 1, 2}); }
at::Tensor ToNHWC(const at::Tensor& nchw) { return nchw.permute({0, 2, 3, 1}); }
at::Tensor ToOIHW(const at::Tensor& hwio) { return hwio.permute({3, 2, 0, 1}); }
at::Tensor ToHWIO(const at::Tensor& oihw) { return oihw.permute({2, 3, 1, 0}); }

// The block's geometry: 1-D tensors run as 2-D of height 1; every conv is 3-wide, 'same', stride 1, bias-free.
struct Geometry {
  int64_t dims;
  // activations: [N,L,C] → [N,1,L,C]; weights: [3,Ci,Co] → [1,3,Ci,Co]
  at::Tensor Act4(const at::Tensor& t) const { return dims == 1 ? t.unsqueeze(1) : t; }
  at::Tensor W4(const at::Tensor& w) const { return dims == 1 ? w.unsqueeze(0) : w; }
  at::Tensor ActOut(const at::Tensor& t4) const { return dims == 1 ? t4.squeeze(1) : t4; }
  at::Tensor WOut(const at::Tensor& w4) const { return dims == 1 ? w4.squeeze(0) : w4; }
  std::vector<int64_t> Padding() const { return dims == 1 ? std::vector<int64_t>{0, 1} : std::vector<int64_t>{1, 1}; }
};

const std::vector<int64_t> kOnes = {1, 1};
const std::vector<int64_t> kZeros = {0, 0};

// y [N,H,W,Co] = conv(x [N,H,W,Ci], w [kh,kw,Ci,Co]), both already 4-D.
at::Tensor Conv(const Geometry& g, const at::Tensor& x4, const at::Tensor& w4) {
  return ToNHWC(at::convolution(ToNCHW(x4), ToOIHW(w4), {}, kOnes, g.Padding(), kOnes, false, kZeros, 1));
}

// (dx, dw) of y = conv(x, w) given dy, all 4-D channels-last / HWIO.
std::pair<at::Tensor, at::Tensor> ConvBackward(const Geometry& g, const at::Tensor& dy4, const at::Tensor& x4,
                                               const at::Tensor& w4, bool needInput) {
  auto r = at::convolution_backward(ToNCHW(dy4), ToNCHW(x4), ToOIHW(w4), at::OptionalIntArrayRef(), kOnes, g.Padding(), kOnes,
                                    false, kZeros, 1, {needInput, true, false});
  return {needInput ? ToNHWC(std::get<0>(r)) : at::Tensor(), ToHWIO(std::get<1>(r))};
}

// The environment's convolution dtype (setConvPrecision in conv.cc): bfloat16 only in reduced-precision inference.
at::Tensor InDtype(const Napi::CallbackInfo& info, const at::Tensor& t) {
  at::ScalarType s = TableOf(info.Env()).conv_dtype;
  return t.scalar_type() == s ? t : t.to(s);
}

at::Tensor F32(const at::Tensor& t) { return t.scalar_type() == at::kFloat ? t : t.to(at::kFloat); }

// recurBlock(dims, h, x, w0, reluAfterRecall, blockWeights [w1_0, w2_0, w1_1, w2_1, …]) →
//   ids [r, t_0, o_0, t_1, o_1, …]: r the recall output (after its ReLU in 1-D; h itself without recall),
//   t_b and o_b as in the header; the last id is the block's output. x and w0 are -1 without recall.
Napi::Value RecurBlock(const Napi::CallbackInfo& info) {
  Geometry g{Int(info, 0)};
  const Table& table = TableOf(info.Env());
  at::Tensor h = g.Act4(Arg(info, 1));
  int64_t xId = Int(info, 2);
  int64_t w0Id = Int(info, 3);
  bool reluAfterRecall = Bool(info, 4);
  std::vector<at::Tensor> ws = Args(info, 5);
  if (ws.size() % 2 != 0) throw std::runtime_error("recurBlock: block weights come in pairs (conv1, conv2)");
  std::vector<at::Tensor> out;
  out.reserve(1 + ws.size());
  at::Tensor r;
  if (w0Id >= 0) {
    at::Tensor x = g.Act4(table.Get(xId));
    at::Tensor c = at::cat({InDtype(info, h), InDtype(info, x)}, 3);
    r = Conv(g, c, InDtype(info, g.W4(table.Get(w0Id))));
    if (reluAfterRecall) r.relu_();
  } else {
    r = h;
  }
  out.push_back(r);
  at::Tensor in = r;
  for (size_t k = 0; k < ws.size(); k += 2) {
    at::Tensor t = Conv(g, InDtype(info, in), InDtype(info, g.W4(ws[k])));
    t.relu_();
    at::Tensor o = Conv(g, InDtype(info, t), InDtype(info, g.W4(ws[k + 1])));
    o.add_(in).relu_();
    out.push_back(t);
    out.push_back(o);
    in = o;
  }
  for (at::Tensor& t : out) t = g.ActOut(t);
  return OutMany(info, out);
}

// recurBlockGrad(dims, dy, h, x, w0, reluAfterRecall, blockWeights, saved [r, t_0, o_0, …] from recurBlock) →
//   ids [dh, dx, dw0, dw1_0, dw2_0, …] with recall, [dh, dw1_0, dw2_0, …] without. Gradients are float32.
Napi::Value RecurBlockGrad(const Napi::CallbackInfo& info) {
  Geometry g{Int(info, 0)};
  const Table& table = TableOf(info.Env());
  at::Tensor dy = g.Act4(F32(Arg(info, 1)));
  at::Tensor h = g.Act4(F32(Arg(info, 2)));
  int64_t xId = Int(info, 3);
  int64_t w0Id = Int(info, 4);
  bool reluAfterRecall = Bool(info, 5);
  std::vector<at::Tensor> ws = Args(info, 6);
  std::vector<at::Tensor> saved = Args(info, 7);
  if (ws.size() % 2 != 0 || saved.size() != ws.size() + 1) {
    throw std::runtime_error("recurBlockGrad: expected pairs of block weights and 1 + 2·blocks saved activations");
  }
  for (at::Tensor& s : saved) s = g.Act4(F32(s));
  size_t blocks = ws.size() / 2;
  std::vector<at::Tensor> dws(ws.size());
  at::Tensor grad = dy;
  for (size_t b = blocks; b-- > 0;) {
    const at::Tensor& in = saved[2 * b];  // r for the first block, else the previous block's output
    const at::Tensor& t = saved[2 * b + 1];
    const at::Tensor& o = saved[2 * b + 2];
    at::Tensor go = at::threshold_backward(grad, o, 0);  // through the block's final ReLU
    auto [dT, dw2] = ConvBackward(g, go, t, g.W4(F32(ws[2 * b + 1])), true);
    at::Tensor gt = at::threshold_backward(dT, t, 0);
    auto [din, dw1] = ConvBackward(g, gt, in, g.W4(F32(ws[2 * b])), true);
    grad = din.add_(go);  // the residual path carries go straight to the block's input
    dws[2 * b] = g.WOut(dw1);
    dws[2 * b + 1] = g.WOut(dw2);
  }
  std::vector<at::Tensor> out;
  if (w0Id >= 0) {
    if (reluAfterRecall) grad = at::threshold_backward(grad, saved[0], 0);
    at::Tensor x = g.Act4(F32(table.Get(xId)));
    at::Tensor c = at::cat({h, x}, 3);
    auto [dc, dw0] = ConvBackward(g, grad, c, g.W4(F32(table.Get(w0Id))), true);
    int64_t width = h.size(3);
    out.push_back(g.ActOut(dc.narrow(3, 0, width)));
    out.push_back(g.ActOut(dc.narrow(3, width, x.size(3))));
    out.push_back(g.WOut(dw0));
  } else {
    out.push_back(g.ActOut(grad));
  }
  for (at::Tensor& d : dws) out.push_back(d);
  return OutMany(info, out);
}

}  // namespace

void RegisterRecur(Napi::Env env, Napi::Object exports) {
  Export<RecurBlock>(env, exports, "recurBlock");
  Export<RecurBlockGrad>(env, exports, "recurBlockGrad");
}

}  // namespace dt
