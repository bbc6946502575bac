// torch_plugin.cpp — the entry point of libtunegrid_torch.so (torch_plugin_api.h): the
// registry of torch-linked job kinds, `tunegrid sample`, and the process's libtorch set-up.
#include "workers/torch_plugin_api.h"

#include <mutex>

#include "workers/parallel/compute_threads.h"
#include "workers/parallel/devices.h"
#include "workers/parallel/torch_libraries.h"

namespace tunegrid {

namespace {

std::string start() {
  static std::once_flag once;
  static std::string description;
  std::call_once(once, [] {
    check_torch_library_versions();
    description = use_available_cpus();
  });
  return description;
}

const std::function<void(JobContext&)>* find_runner(const std::string& kind) {
  const JobKind* found = find_job_kind(kind);
  return found ? &found->run : nullptr;
}

const TorchPluginApi kApi{kTorchPluginApiVersion,   start,          device_for_local_rank, find_runner,
                          describe_torch_libraries, device_facts, sample_command};

}  // namespace

}  // namespace tunegrid

extern "C" const tunegrid::TorchPluginApi* tunegrid_torch_plugin() { return &tunegrid::kApi; }
