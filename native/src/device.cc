// Where tensors live: the CPU or one CUDA device, per environment (table.h). Everything between write and read stays
// on that device, so convolutions and matmuls run on cuDNN / cuBLAS and nothing crosses to the host per kernel.
//
// CUDA is present only when the libtorch the addon was linked against has it (libtorch_cuda, linked with
// --no-as-needed so its hooks register) and a driver sees a device. Asking for CUDA without it is an error that
// names the library that was loaded, so a user sees at once which libtorch the build picked up.
#include <ATen/Context.h>
#include <torch/cuda.h>
#include <dlfcn.h>

#include <cctype>

#include "table.h"

namespace dt {
namespace {

// The file of the libtorch this process loaded: the one that defines at::globalContext.
std::string LoadedLibrary() {
  Dl_info d;
  if (dladdr(reinterpret_cast<void*>(&at::globalContext), &d) != 0 && d.dli_fname) return d.dli_fname;
  return "an unidentified libtorch";
}

// Whether libtorch's CUDA half is in the process (it may be, with no driver or no visible device).
bool CudaLibraryLoaded() {
  void* h = dlopen("libtorch_cuda.so", RTLD_NOW | RTLD_NOLOAD);
  if (h) dlclose(h);
  return h != nullptr;
}

// torch/cuda.h's functions, not ATen's CUDA hooks: their signatures are the C++ API's and have held from libtorch 1.x
// to 2.x, while the hooks' methods are renamed between releases.
int CudaDevices() { return at::hasCUDA() ? static_cast<int>(torch::cuda::device_count()) : 0; }

// "cpu" | "cuda" | "cuda:N" | "auto" → a device; anything else is an error that lists the choices.
at::Device Parse(const std::string& spec) {
  if (spec == "cpu") return at::Device(at::kCPU);
  if (spec == "auto") return CudaDevices() > 0 ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (spec == "cuda") return at::Device(at::kCUDA, 0);
  if (spec.rfind("cuda:", 0) == 0 && spec.size() > 5 && spec.size() < 9) {
    int index = 0;
    for (size_t k = 5; k < spec.size(); ++k) {
      if (!std::isdigit(static_cast<unsigned char>(spec[k]))) index = -1;
      if (index >= 0) index = index * 10 + (spec[k] - '0');
    }
    if (index >= 0) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  throw std::runtime_error("device \"" + spec + "\" is not one of cpu, cuda, cuda:N, auto");
}

void RequireCuda(const at::Device& d) {
  if (!at::hasCUDA()) {
    if (CudaLibraryLoaded()) {
      throw std::runtime_error("CUDA was asked for (" + d.str() + ") but " + LoadedLibrary() +
                               " sees no CUDA device: no NVIDIA driver, or CUDA_VISIBLE_DEVICES hides them all");
    }
    throw std::runtime_error("CUDA was asked for (" + d.str() + ") but this libtorch has no CUDA: " + LoadedLibrary() +
                             " is a CPU-only build. Rebuild the addon against a CUDA libtorch (npm run build:native " +
                             "with PyTorch's CUDA wheel installed, or TORCH_DIR=<libtorch with CUDA>)");
  }
  int n = CudaDevices();
  if (d.index() >= n) {
    throw std::runtime_error("CUDA device " + d.str() + " was asked for but " + std::to_string(n) +
                             " CUDA device(s) are visible (cuda:0 … cuda:" + std::to_string(n - 1) + ")");
  }
}

// setDevice(spec) → the device now used, as "cpu" or "cuda:N". Refused while this environment holds tensors on
// another device: kernels would mix devices.
Napi::Value SetDevice(const Napi::CallbackInfo& info) {
  at::Device d = Parse(info[0].As<Napi::String>().Utf8Value());
  if (d.is_cuda()) RequireCuda(d);
  Table& table = TableOf(info.Env());
  if (d != table.device && table.Live() > 0) {
    throw std::runtime_error("setDevice(" + d.str() + "): " + std::to_string(table.Live()) + " tensor(s) still live on " +
                             table.device.str() + "; the device is chosen before any tensor exists");
  }
  if (d.is_cuda()) {
    // Training must compute in float32 as on the CPU: TF32 (10-bit mantissa) is off for cuDNN convolutions, which
    // PyTorch enables by default, and for cuBLAS. Reduced precision for thinking is bfloat16 (setConvPrecision),
    // chosen per call, never TF32, which would be process-wide.
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
    // Shapes repeat (every step of training, every iteration of thinking): let cuDNN time its algorithms once per
    // shape and keep the fastest.
    at::globalContext().setBenchmarkCuDNN(true);
  }
  table.device = d;
  return Napi::String::New(info.Env(), d.str());
}

// deviceInfo() → { device, cuda, cudaDevices, cudaLibrary, library }: for the backend's description and the tests.
Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("device", Napi::String::New(env, TableOf(env).device.str()));
  o.Set("cuda", Napi::Boolean::New(env, at::hasCUDA()));
  o.Set("cudaDevices", Napi::Number::New(env, CudaDevices()));
  o.Set("cudaLibrary", Napi::Boolean::New(env, CudaLibraryLoaded()));
  o.Set("cudnn", Napi::Boolean::New(env, at::hasCUDA() && torch::cuda::cudnn_is_available()));
  o.Set("library", Napi::String::New(env, LoadedLibrary()));
  return o;
}

}  // namespace

void RegisterDevice(Napi::Env env, Napi::Object exports) {
  Export<SetDevice>(env, exports, "setDevice");
  Export<DeviceInfo>(env, exports, "deviceInfo");
}

}  // namespace dt
