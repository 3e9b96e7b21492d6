# Node-API addon that runs tfjs kernels in libtorch (Debian's libtorch-dev 1.13). Built by scripts/build-native.sh;
# optional: without it the engine uses wasm. ATen only (no torch::jit / autograd front end): lighter to compile.
{
  "targets": [
    {
      "target_name": "dt_torch",
      "sources": [
        "src/addon.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/shape.cc",
        "src/conv.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(echo ${TORCH_INCLUDE:-/usr/include})"
      ],
      "libraries": [
        "-L<!(echo ${TORCH_LIB:-/usr/lib/x86_64-linux-gnu})",
        "-Wl,-rpath,<!(echo ${TORCH_LIB:-/usr/lib/x86_64-linux-gnu})",
        "-Wl,--no-as-needed",
        "-ltorch",
        "-ltorch_cpu",
        "-lc10"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      # libtorch's headers need C++17, exceptions and RTTI; node-gyp's defaults turn the last two off.
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O3", "-Wno-unused-parameter", "-Wno-deprecated-declarations"]
    }
  ]
}
