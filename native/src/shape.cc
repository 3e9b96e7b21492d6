// Layout kernels. Most return libtorch views (reshape, permute, narrow, split share the input's storage),
// which is safe because no kernel writes into an input: tensors are immutable once they have an id. read() makes a
// contiguous copy, so a view's strides never leak to JS.
#include "table.h"

namespace dt {
namespace {

// reshape(x, shape) → id
Napi::Value Reshape(const Napi::CallbackInfo& info) { return Out(info, Arg(info, 0).reshape(Ints(info, 1))); }

// transpose(x, perm) → id
Napi::Value Transpose(const Napi::CallbackInfo& info) { return Out(info, Arg(info, 0).permute(Ints(info, 1))); }

// concat(ids, axis) → id
Napi::Value Concat(const Napi::CallbackInfo& info) { return Out(info, at::cat(Args(info, 0), Int(info, 1))); }

// slice(x, begin, size) → id; size is fully resolved (no −1) by the tfjs side.
Napi::Value Slice(const Napi::CallbackInfo& info) {
  at::Tensor x = Arg(info, 0);
  std::vector<int64_t> begin = Ints(info, 1);
  std::vector<int64_t> size = Ints(info, 2);
  for (size_t d = 0; d < begin.size(); ++d) {
    if (begin[d] != 0 || size[d] != x.size(static_cast<int64_t>(d))) x = x.narrow(static_cast<int64_t>(d), begin[d], size[d]);
  }
  return Out(info, x);
}

// splitV(x, sizes, axis) → ids
Napi::Value SplitV(const Napi::CallbackInfo& info) {
  return OutMany(info, at::split_with_sizes(Arg(info, 0), Ints(info, 1), Int(info, 2)));
}

// pad(x, paddings as [before0, after0, before1, after1, …], value) → id
Napi::Value Pad(const Napi::CallbackInfo& info) {
  std::vector<int64_t> p = Ints(info, 1);
  // constant_pad_nd lists pairs from the last dimension backwards.
  std::vector<int64_t> rev;
  for (size_t d = p.size() / 2; d-- > 0;) {
    rev.push_back(p[2 * d]);
    rev.push_back(p[2 * d + 1]);
  }
  return Out(info, at::constant_pad_nd(Arg(info, 0), rev, Num(info, 2)));
}

// reverse(x, dims) → id
Napi::Value Reverse(const Napi::CallbackInfo& info) { return Out(info, at::flip(Arg(info, 0), Ints(info, 1))); }

// tile(x, reps) → id
Napi::Value Tile(const Napi::CallbackInfo& info) { return Out(info, Arg(info, 0).repeat(Ints(info, 1))); }

// gather(x, indices, axis) → id, batchDims 0: out shape x[:axis] + indices.shape + x[axis+1:].
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const at::Tensor& x = Arg(info, 0);
  const at::Tensor& idx = Arg(info, 1);
  int64_t axis = Int(info, 2);
  at::Tensor flat = at::index_select(x, axis, idx.reshape({-1}).to(at::kLong));
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + axis);
  for (int64_t s : idx.sizes()) shape.push_back(s);
  for (int64_t d = axis + 1; d < x.dim(); ++d) shape.push_back(x.size(d));
  return Out(info, flat.reshape(shape));
}

// pack(ids, axis) → id
Napi::Value Pack(const Napi::CallbackInfo& info) { return Out(info, at::stack(Args(info, 0), Int(info, 1))); }

// unpack(x, axis) → ids
Napi::Value Unpack(const Napi::CallbackInfo& info) { return OutMany(info, at::unbind(Arg(info, 0), Int(info, 1))); }

// alias(x) → id: a second id for the same values
Napi::Value Clone(const Napi::CallbackInfo& info) { return Out(info, Arg(info, 0)); }

}  // namespace

void RegisterShape(Napi::Env env, Napi::Object exports) {
  Export<Reshape>(env, exports, "reshape");
  Export<Transpose>(env, exports, "transpose");
  Export<Concat>(env, exports, "concat");
  Export<Slice>(env, exports, "slice");
  Export<SplitV>(env, exports, "splitV");
  Export<Pad>(env, exports, "pad");
  Export<Reverse>(env, exports, "reverse");
  Export<Tile>(env, exports, "tile");
  Export<Gather>(env, exports, "gather");
  Export<Pack>(env, exports, "pack");
  Export<Unpack>(env, exports, "unpack");
  Export<Clone>(env, exports, "alias");
}

}  // namespace dt
