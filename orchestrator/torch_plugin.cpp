// torch_plugin.cpp — see torch_plugin.h.
#include "orchestrator/torch_plugin.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace tunegrid {

namespace {

constexpr const char* kLibraryName = "libtunegrid_torch.so";

std::filesystem::path library_path() {
  std::error_code error;
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw std::runtime_error(fmt::format("cannot find {}: /proc/self/exe: {}", kLibraryName, error.message()));
  return program.parent_path() / kLibraryName;
}

double load_seconds = 0;

const TorchPluginApi* load() {
  const auto start = std::chrono::steady_clock::now();
  const std::filesystem::path path = library_path();
  // RTLD_NOW: a library that does not fit this program fails here, with the symbol named, not
  // in the middle of a job.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw std::runtime_error(fmt::format("cannot load libtorch (the job kinds that need it are in {}): {}",
                                         path.string(), dlerror()));
  using Entry = const TorchPluginApi* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(handle, "tunegrid_torch_plugin"));
  if (!entry) throw std::runtime_error(fmt::format("{} has no tunegrid_torch_plugin(): {}", path.string(), dlerror()));
  const TorchPluginApi* api = entry();
  if (!api || api->version != kTorchPluginApiVersion)
    throw std::runtime_error(fmt::format("{} is from another build of tunegrid (plugin interface {}, expected {}); "
                                         "rebuild with `bash cluster/setup.sh`",
                                         path.string(), api ? api->version : -1, kTorchPluginApiVersion));
  load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return api;  // the library stays loaded until the process ends
}

}  // namespace

const TorchPluginApi& torch_plugin() {
  static std::mutex mutex;
  static const TorchPluginApi* api = nullptr;
  const std::lock_guard<std::mutex> lock(mutex);
  if (!api) api = load();
  return *api;
}

double torch_plugin_load_seconds() { return load_seconds; }

}  // namespace tunegrid
