// torch_libraries.cpp — see torch_libraries.h.
#include "workers/parallel/torch_libraries.h"

#include <ATen/Context.h>
#include <c10/core/Device.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>
#include <fmt/format.h>
#include <torch/headeronly/version.h>

#include <cctype>
#include <filesystem>
#include <stdexcept>

#include "workers/parallel/devices.h"

#ifdef TUNEGRID_WITH_NCCL
#include <cuda_runtime_api.h>
#include <nccl.h>
#endif

namespace tunegrid {

namespace {

// The file a function of a shared library was loaded from (without the "lib/../../" of the
// RPATH it was found through).
std::string file_of(const void* function) {
  Dl_info info{};
  if (dladdr(function, &info) == 0 || !info.dli_fname) return "";
  std::error_code error;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(info.dli_fname, error);
  return error ? std::string(info.dli_fname) : canonical.string();
}

// libtorch states its version in at::show_config(): "..., TORCH_VERSION=2.15.0, ...".
std::string loaded_libtorch_version() {
  const std::string config = at::show_config();
  const std::string key = "TORCH_VERSION=";
  const auto start = config.find(key);
  if (start == std::string::npos) return "unknown";
  const auto end = config.find_first_of(", \n", start + key.size());
  return config.substr(start + key.size(), end - start - key.size());
}

#ifdef TUNEGRID_WITH_NCCL
// CUDA runtime versions are 1000 * major + 10 * minor.
std::string cuda_version_text(int code) { return fmt::format("{}.{}", code / 1000, (code % 1000) / 10); }

// NCCL versions since 2.9 are 10000 * major + 100 * minor + patch; cuDNN 9's the same.
std::string dotted_version(long code) { return fmt::format("{}.{}.{}", code / 10000, (code % 10000) / 100, code % 100); }
#endif

}  // namespace

std::vector<LibraryVersion> torch_library_versions() {
  const auto show_config = static_cast<std::string (*)()>(&at::show_config);
  std::vector<LibraryVersion> versions{
      {"libtorch", TORCH_VERSION, loaded_libtorch_version(), file_of(reinterpret_cast<const void*>(show_config))}};
#ifdef TUNEGRID_WITH_NCCL
  int runtime = 0, nccl = 0;
  cudaRuntimeGetVersion(&runtime);
  ncclGetVersion(&nccl);
  versions.push_back({"CUDA runtime", cuda_version_text(CUDART_VERSION), cuda_version_text(runtime),
                      file_of(reinterpret_cast<const void*>(&cudaRuntimeGetVersion))});
  const auto& hooks = at::detail::getCUDAHooks();
  if (hooks.hasCuDNN())  // libtorch's own business: reported, not checked
    versions.push_back({"cuDNN", dotted_version(hooks.versionCuDNN()), dotted_version(hooks.versionRuntimeCuDNN()), "",
                        false});
  versions.push_back({"NCCL", dotted_version(NCCL_VERSION_CODE), dotted_version(nccl),
                      file_of(reinterpret_cast<const void*>(&ncclGetVersion))});
#endif
  return versions;
}

void check_library_versions(const std::vector<LibraryVersion>& versions) {
  for (const LibraryVersion& library : versions) {
    if (!library.must_match || library.loaded == library.built) continue;
    throw std::runtime_error(fmt::format(
        "this process loaded {} {}{}, but tunegrid was built against {} {} (cluster/libtorch-requirements.txt); "
        "check LD_LIBRARY_PATH and LD_PRELOAD, or rebuild with `bash cluster/setup.sh`",
        library.name, library.loaded, library.file.empty() ? "" : " from " + library.file, library.name,
        library.built));
  }
}

void check_torch_library_versions() { check_library_versions(torch_library_versions()); }

namespace {

// "CUDA runtime" -> "cuda_runtime".
std::string fact_key(const std::string& library_name) {
  std::string key;
  for (const char c : library_name) key += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

std::map<std::string, std::string> device_facts(const std::string& device) {
  std::map<std::string, std::string> facts;
  for (const LibraryVersion& library : torch_library_versions()) facts[fact_key(library.name)] = library.loaded;
  facts["cpu_capability"] = at::get_cpu_capability();  // the CPU kernels ATen dispatches to
#ifdef TUNEGRID_WITH_NCCL
  const c10::Device parsed(device);
  if (!parsed.is_cuda()) return facts;
  cudaDeviceProp properties{};
  if (cudaGetDeviceProperties(&properties, parsed.has_index() ? parsed.index() : 0) != cudaSuccess) {
    cudaGetLastError();
    return facts;
  }
  int driver = 0;
  cudaDriverGetVersion(&driver);
  facts["gpu_name"] = properties.name;
  facts["gpu_memory_mb"] = std::to_string(properties.totalGlobalMem >> 20);
  facts["gpu_compute_capability"] = fmt::format("{}.{}", properties.major, properties.minor);
  facts["cuda_driver"] = cuda_version_text(driver);
#else
  (void)device;
#endif
  return facts;
}

std::string describe_torch_libraries() {
  std::string text;
  for (const LibraryVersion& library : torch_library_versions()) {
    text += fmt::format("{} {}", library.name, library.loaded);
    if (library.loaded != library.built) text += fmt::format(" (built against {})", library.built);
    if (!library.file.empty()) text += fmt::format(" from {}", library.file);
    text += "\n";
  }
#ifdef TUNEGRID_WITH_NCCL
  int driver = 0;
  cudaDriverGetVersion(&driver);
  const int gpus = visible_gpu_count();
  text += driver == 0 ? fmt::format("GPUs visible: {} (no CUDA driver)\n", gpus)
                      : fmt::format("GPUs visible: {} (CUDA driver {})\n", gpus, cuda_version_text(driver));
#else
  text += "GPU support: not built (TUNEGRID_WITH_NCCL=OFF)\n";
#endif
  return text;
}

}  // namespace tunegrid
