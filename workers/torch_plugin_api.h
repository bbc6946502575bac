// torch_plugin_api.h — what libtunegrid_torch.so offers the `tunegrid` program: every job kind
// that needs libtorch, `tunegrid sample`, and the process's libtorch setup (compute threads,
// the rank's device, the libraries' versions). The program loads it on first use
// (orchestrator/torch_plugin.h), so that `plan`, `status`, `report`, `kinds`, `slurm` and a rank
// that runs no such job never load libtorch (start-up and memory). Both sides are built from
// one tree by one compiler: C++ types cross the boundary; kTorchPluginApiVersion guards
// against a library left over from another build.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "workers/job_kind.h"
#include "workers/jobs/sample_command.h"

namespace tunegrid {

constexpr int kTorchPluginApiVersion = 2;

struct TorchPluginApi {
  int version = kTorchPluginApiVersion;
  // Checks that the libraries loaded are the ones built against (throws std::runtime_error
  // naming a mismatched one) and sets the compute threads, once per process; returns a line
  // for the log.
  std::string (*start)() = nullptr;
  // "cpu" or "cuda:<local rank % visible GPUs>".
  std::string (*device_for_local_rank)(int local_rank) = nullptr;
  // The runner of a kind, or nullptr for a kind this library does not know.
  const std::function<void(JobContext&)>* (*find_runner)(const std::string& kind) = nullptr;
  // libtorch, CUDA, cuDNN and NCCL versions (built against and loaded), GPUs visible, and where
  // libtorch and NCCL were loaded from.
  std::string (*describe)() = nullptr;
  // What a shard records about the libraries and `device` (workers/parallel/torch_libraries.h).
  std::map<std::string, std::string> (*device_facts)(const std::string& device) = nullptr;
  int (*sample_command)(const SampleRequest& request) = nullptr;
};

}  // namespace tunegrid

// The one symbol the program looks up.
extern "C" const tunegrid::TorchPluginApi* tunegrid_torch_plugin();
