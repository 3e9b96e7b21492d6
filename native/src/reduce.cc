// Reductions along axes (the tfjs side normalises negative axes and never sends an empty axis list), arg-max/min
// and cumulative sums. Outputs are cast to the dtype tfjs expects (torch sums integers and bools into int64).
#include <algorithm>

#include "table.h"

namespace dt {
namespace {

// Ops reducing one axis at a time (prod, any, all take a single dim in libtorch 1.13): highest axis first, so
// the remaining axis numbers stay valid when dimensions are dropped.
template <typename F>
at::Tensor OneAxisAtATime(at::Tensor x, std::vector<int64_t> axes, bool keepDims, F f) {
  std::sort(axes.rbegin(), axes.rend());
  for (int64_t a : axes) x = f(x, a, keepDims);
  return x;
}

// reduce(op, x, axes, keepDims, outDtype); op: 0 Sum, 1 Mean, 2 Max, 3 Min, 4 Prod, 5 Any, 6 All.
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  int64_t op = Int(info, 0);
  const at::Tensor& x = Arg(info, 1);
  std::vector<int64_t> axes = Ints(info, 2);
  bool keep = Bool(info, 3);
  at::Tensor y;
  switch (op) {
    case 0: y = at::sum(x, axes, keep); break;
    case 1: y = at::mean(x, axes, keep); break;
    case 2: y = at::amax(x, axes, keep); break;
    case 3: y = at::amin(x, axes, keep); break;
    case 4: y = OneAxisAtATime(x, axes, keep, [](const at::Tensor& t, int64_t a, bool k) { return at::prod(t, a, k); }); break;
    case 5: y = OneAxisAtATime(x.to(at::kBool), axes, keep, [](const at::Tensor& t, int64_t a, bool k) { return at::any(t, a, k); }); break;
    case 6: y = OneAxisAtATime(x.to(at::kBool), axes, keep, [](const at::Tensor& t, int64_t a, bool k) { return at::all(t, a, k); }); break;
    default: throw std::runtime_error("reduce: unknown op " + std::to_string(op));
  }
  return Out(info, As(y, Int(info, 4)));
}

// argMinMax(isMax, x, axis) → int32 indices; ties give the first index, as tfjs.
Napi::Value ArgMinMax(const Napi::CallbackInfo& info) {
  const at::Tensor& x = Arg(info, 1);
  int64_t axis = Int(info, 2);
  at::Tensor i = Bool(info, 0) ? at::argmax(x, axis, false) : at::argmin(x, axis, false);
  return Out(info, i.to(at::kInt));
}

// cumsum(x, axis, exclusive, reverse, outDtype)
Napi::Value Cumsum(const Napi::CallbackInfo& info) {
  at::Tensor x = Arg(info, 0);
  int64_t axis = Int(info, 1);
  bool exclusive = Bool(info, 2);
  bool reverse = Bool(info, 3);
  if (reverse) x = at::flip(x, {axis});
  at::Tensor y = at::cumsum(x, axis);
  int64_t n = x.size(axis);
  if (exclusive && n > 0) {
    std::vector<int64_t> zshape = x.sizes().vec();
    zshape[axis] = 1;
    y = at::cat({at::zeros(zshape, y.options()), y.narrow(axis, 0, n - 1)}, axis);
  }
  if (reverse) y = at::flip(y, {axis});
  return Out(info, As(y, Int(info, 4)));
}

}  // namespace

void RegisterReduce(Napi::Env env, Napi::Object exports) {
  Export<Reduce>(env, exports, "reduce");
  Export<ArgMinMax>(env, exports, "argMinMax");
  Export<Cumsum>(env, exports, "cumsum");
}

}  // namespace dt
