# Node-API addon that runs tfjs kernels in libtorch (Debian's libtorch-dev 1.13, or PyTorch's own, CUDA included).
# Built by scripts/build-native.sh, which finds libtorch and exports TORCH_INCLUDE, TORCH_LIB, TORCH_EXTRA_LIBS (the
# CUDA libraries when present), TORCH_CXX11_ABI and TORCH_CXX_STD; optional: without it the engine uses wasm.
# ATen only (no torch::jit / autograd front end): lighter to compile.
{
  "targets": [
    {
      "target_name": "dt_torch",
      "sources": [
        "src/addon.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/shape.cc",
        "src/conv.cc",
        "src/device.cc",
        "src/recur.cc",
        "src/optim.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(echo ${TORCH_INCLUDE:-/usr/include})",
        "<!(echo ${TORCH_INCLUDE:-/usr/include})/torch/csrc/api/include"
      ],
      "libraries": [
        "-L<!(echo ${TORCH_LIB:-/usr/lib/x86_64-linux-gnu})",
        "-Wl,-rpath,<!(echo ${TORCH_LIB:-/usr/lib/x86_64-linux-gnu})",
        "-Wl,--no-as-needed",
        "<!@(echo ${TORCH_EXTRA_LIBS:-})",
        "-ltorch",
        "-ltorch_cpu",
        "-lc10"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<!(echo ${TORCH_CXX11_ABI:-1})"],
      # libtorch's headers need C++17, exceptions and RTTI; node-gyp's defaults turn the last two off.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=<!(echo ${TORCH_CXX_STD:-c++17})", "-fexceptions", "-frtti", "-O3", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
    }
  ]
}
