// torch_plugin.h — loads libtunegrid_torch.so (workers/torch_plugin_api.h: every job kind that
// needs libtorch, `tunegrid sample`, the libtorch set-up) from the folder of the running
// program, once per process and only when something needs it: `plan`, `status`, `report`,
// `kinds`, `slurm` and ranks that run only torch-free kinds never load libtorch, and start in a
// fraction of the time (docs/benchmarks.md, "Start-up").
#pragma once
#include <string>

#include "workers/torch_plugin_api.h"

namespace tunegrid {

// Loads the library on the first call. Throws std::runtime_error with the loader's message
// (the library or one of libtorch's is missing, a symbol is undefined) when it cannot.
const TorchPluginApi& torch_plugin();

// Seconds the first torch_plugin() call took (0 before it).
double torch_plugin_load_seconds();

}  // namespace tunegrid
