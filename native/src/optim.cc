// The optimizer update for every weight in one call: Adam with PyTorch's coupled (L2) weight decay, and the sum of
// squares of all gradients for the global norm. tfjs runs Adam as ~15 kernels per weight and the norm as two per
// weight; each kernel is a trip through tfjs and Node-API, which on a GPU costs more than the arithmetic.
// Functional: new tensors for the weights and moments (tfjs variables take them with assign), nothing in place.
#include "table.h"

#include <cmath>

namespace dt {
namespace {

// adam(params, grads, expAvg, expAvgSq, lrs, beta1, beta2, eps, weightDecay, step, gradScale) →
//   ids [p'_0, m'_0, v'_0, p'_1, …]. expAvg/expAvgSq ids are -1 before the first step (zeros). As torch.optim.Adam
//   (amsgrad off, maximize off): g ← gradScale·g + wd·p; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
//   p ← p − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + ε).
Napi::Value Adam(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> ps = Args(info, 0);
  std::vector<at::Tensor> gs = Args(info, 1);
  std::vector<int64_t> ms = Ints(info, 2);
  std::vector<int64_t> vs = Ints(info, 3);
  Napi::Array lrArray = info[4].As<Napi::Array>();
  double beta1 = Num(info, 5), beta2 = Num(info, 6), eps = Num(info, 7), wd = Num(info, 8);
  double step = Num(info, 9), scale = Num(info, 10);
  size_t k = ps.size();
  if (gs.size() != k || ms.size() != k || vs.size() != k || lrArray.Length() != k) {
    throw std::runtime_error("adam: params, grads, moments and lrs must have one entry per weight");
  }
  const Table& table = TableOf(info.Env());
  double bc1 = 1 - std::pow(beta1, step);
  double bc2Sqrt = std::sqrt(1 - std::pow(beta2, step));
  std::vector<at::Tensor> out;
  out.reserve(3 * k);
  for (size_t i = 0; i < k; ++i) {
    const at::Tensor& p = ps[i];
    at::Tensor g = scale == 1 ? gs[i] : gs[i] * scale;
    if (wd != 0) g = at::add(g, p, wd);
    at::Tensor m = ms[i] >= 0 ? table.Get(ms[i]).mul(beta1) : at::zeros_like(p);
    m.add_(g, 1 - beta1);
    at::Tensor v = vs[i] >= 0 ? table.Get(vs[i]).mul(beta2) : at::zeros_like(p);
    v.addcmul_(g, g, 1 - beta2);
    at::Tensor denom = v.sqrt().div_(bc2Sqrt).add_(eps);
    double lr = lrArray.Get(static_cast<uint32_t>(i)).As<Napi::Number>().DoubleValue();
    out.push_back(at::addcdiv(p, m, denom, -lr / bc1));
    out.push_back(m);
    out.push_back(v);
  }
  return OutMany(info, out);
}

// sumSquares(ids) → Σ over every tensor of Σ x², as a float32 scalar tensor (the global gradient norm squared).
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> ts = Args(info, 0);
  if (ts.empty()) throw std::runtime_error("sumSquares: no tensors");
  std::vector<at::Tensor> parts;
  parts.reserve(ts.size());
  for (const at::Tensor& t : ts) parts.push_back(t.square().sum());
  return Out(info, at::stack(parts).sum());
}

}  // namespace

void RegisterOptim(Napi::Env env, Napi::Object exports) {
  Export<Adam>(env, exports, "adam");
  Export<SumSquares>(env, exports, "sumSquares");
}

}  // namespace dt
